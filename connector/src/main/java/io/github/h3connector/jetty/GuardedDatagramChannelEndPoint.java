package io.github.h3connector.jetty;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;

import org.eclipse.jetty.io.DatagramChannelEndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.quic.quiche.QuicheConfig;
import org.eclipse.jetty.quic.quiche.QuicheSession;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listening UDP endpoint of {@link H3QuicConnector}. A reader thread of its own reads every datagram as it arrives
 * into a {@link ReadAheadQueue} (established connections first) and drops what {@link QuicDatagramGuard} refuses;
 * Jetty's QUIC read loop takes datagrams from that queue. It also treats a failed send like a lost packet, because in
 * Jetty 12.1.5 one failed send fails the listener's flusher for good and the server can never send again.
 *
 * <p>Why a reader thread: Jetty's read loop runs each handshake step inline, so during a burst of new connections it
 * reads the socket only every few milliseconds, and the kernel's queue (capped by {@code net.core.rmem_max}, 208 KiB on
 * a stock Linux) overflows in between, and clients whose Initial packets are dropped wait out exponential backoff (1, 2,
 * 4, ... s). A burst of 2,000 handshakes lost 13,093 datagrams in the kernel; 2,424 with an 8 MiB kernel queue; 963
 * with the read-ahead done by Jetty's read loop itself; none with this thread (and a 4 MiB kernel queue).
 */
class GuardedDatagramChannelEndPoint extends DatagramChannelEndPoint
{
    private static final Logger LOG = LoggerFactory.getLogger(GuardedDatagramChannelEndPoint.class);
    /** Datagrams between flushes while the receive queue never runs empty. */
    private static final int FLUSH_EVERY = 16;

    private final H3Statistics statistics;
    /** Counting the open connections is not free, so it is asked only for datagrams that open one. */
    private final BooleanSupplier belowConnectionLimit;
    private final QuicheConfig.CongestionControl congestionControl;
    private final QuicDrain drain;
    private final Executor executor;
    /** Datagrams are cut to this size, as Jetty's own receive into its input buffer would. */
    private final int maxDatagramBytes;
    /** Shared by the reader thread and Jetty's read loop; also the lock for {@link #fillInterested} and {@link #readerDone}. */
    private final ReadAheadQueue readAhead;
    private boolean fillInterested;
    private boolean readerDone;
    private volatile Selector readerSelector;
    /** Peers whose datagrams were handed to Jetty since the last flush; only the producing thread touches it. */
    private final List<SocketAddress> fedPeers = new ArrayList<>();
    private int fedSinceFlush;

    GuardedDatagramChannelEndPoint(DatagramChannel channel, ManagedSelector selector, SelectionKey key, Scheduler scheduler, Executor executor,
                                   int maxDatagramBytes, H3Statistics statistics, H3Options options, QuicDrain drain)
    {
        super(channel, selector, key, scheduler);
        this.statistics = statistics;
        int maxConnections = options.maxConnections();
        // No new connections while draining: they would only be told to go away again.
        this.belowConnectionLimit = () -> !drain.isDraining() && statistics.getOpenQuicConnections() < maxConnections;
        this.congestionControl = options.congestionControl();
        this.drain = drain;
        this.executor = executor;
        this.maxDatagramBytes = maxDatagramBytes;
        this.readAhead = new ReadAheadQueue(options.readAheadBytes());
    }

    @Override
    public void onOpen()
    {
        super.onOpen();
        try
        {
            readerSelector = Selector.open();
            getChannel().register(readerSelector, SelectionKey.OP_READ);
        }
        catch (IOException x)
        {
            throw new UncheckedIOException("cannot watch the QUIC socket for datagrams", x);
        }
        Thread reader = new Thread(this::readLoop, "h3-udp-reader-" + getLocalSocketAddress());
        reader.setDaemon(true);
        reader.start();
    }

    @Override
    public void onClose(Throwable cause)
    {
        try
        {
            super.onClose(cause);
        }
        finally
        {
            // The channel is closed: the reader wakes up, sees that and ends.
            Selector selector = readerSelector;
            if (selector != null)
                selector.wakeup();
            synchronized (readAhead)
            {
                readAhead.notifyAll();
            }
        }
    }

    /** Jetty's read loop wants to hear of the next datagram: from the reader thread, never from Jetty's selector. */
    @Override
    protected void needsFillInterest()
    {
        boolean fillable;
        synchronized (readAhead)
        {
            fillable = !readAhead.isEmpty() || readerDone;
            fillInterested = !fillable;
        }
        if (fillable)
            wakeReadLoop();
    }

    /** Runs Jetty's read loop on a pool thread, unless the server has stopped its threads already. */
    private void wakeReadLoop()
    {
        try
        {
            executor.execute(() -> getFillInterest().fillable());
        }
        catch (RejectedExecutionException x)
        {
            LOG.debug("read loop not woken: {}", x.toString());
        }
    }

    @Override
    public SocketAddress receive(ByteBuffer buffer) throws IOException
    {
        while (true)
        {
            if (fedSinceFlush >= FLUSH_EVERY)
                flushFedSessions();
            ReadAheadQueue.Datagram datagram;
            boolean done;
            synchronized (readAhead)
            {
                boolean full = !readAhead.hasRoom();
                datagram = readAhead.poll();
                if (full && readAhead.hasRoom())
                    readAhead.notifyAll();
                done = readerDone;
            }
            if (datagram == null)
            {
                // The queue is empty: everything received has been fed to quiche.
                flushFedSessions();
                return done ? EOF : null;
            }
            notIdle();
            SocketAddress peer = datagram.peer();
            BufferUtil.clear(buffer);
            int position = BufferUtil.flipToFill(buffer);
            buffer.put(datagram.bytes(), 0, Math.min(datagram.bytes().length, buffer.remaining()));
            BufferUtil.flipToFlush(buffer, position);
            // An Initial read ahead may have waited while connections opened or a drain began: the limit holds now.
            if (QuicDatagramGuard.isInitial(buffer) && !belowConnectionLimit.getAsBoolean())
            {
                dropped(buffer, peer, QuicDatagramGuard.Verdict.CONNECTION_LIMIT);
                continue;
            }
            // Jetty processes this datagram on this thread next, and may accept a connection for it.
            CongestionControlQuicheBinding.acceptWith(congestionControl);
            drain.heardFrom(peer);
            fedSinceFlush++;
            if (fedPeers.isEmpty() || !fedPeers.get(fedPeers.size() - 1).equals(peer))
                fedPeers.add(peer);
            return peer;
        }
    }

    /** The reader thread: reads datagrams while the queue has room, queues those the guard admits. */
    private void readLoop()
    {
        ByteBuffer buffer = ByteBuffer.allocateDirect(maxDatagramBytes);
        DatagramChannel channel = getChannel();
        try (Selector selector = readerSelector)
        {
            while (channel.isOpen())
            {
                synchronized (readAhead)
                {
                    while (!readAhead.hasRoom() && channel.isOpen())
                        readAhead.wait();
                }
                selector.select();
                selector.selectedKeys().clear();
                while (channel.isOpen())
                {
                    buffer.clear();
                    SocketAddress peer = channel.receive(buffer);
                    if (peer == null)
                        break;
                    buffer.flip();
                    if (!queue(buffer, peer))
                        break;
                }
            }
        }
        catch (ClosedChannelException | InterruptedException x)
        {
            // Closed: done.
        }
        catch (Throwable x)
        {
            LOG.warn("QUIC socket reader failed; closing the QUIC listener", x);
            close(x);
        }
        finally
        {
            synchronized (readAhead)
            {
                readerDone = true;
            }
            // Jetty's read loop then receives EOF.
            wakeReadLoop();
        }
    }

    /** @return whether the queue has room for more */
    private boolean queue(ByteBuffer datagram, SocketAddress peer)
    {
        statistics.onDatagramReceived();
        QuicDatagramGuard.Verdict verdict = peer instanceof InetSocketAddress inet ? QuicDatagramGuard.check(datagram, inet, belowConnectionLimit) : QuicDatagramGuard.Verdict.EMPTY;
        if (verdict != QuicDatagramGuard.Verdict.ADMIT)
        {
            dropped(datagram, peer, verdict);
            return true;
        }
        boolean signal;
        boolean room;
        synchronized (readAhead)
        {
            readAhead.add(peer, datagram);
            signal = fillInterested;
            fillInterested = false;
            room = readAhead.hasRoom();
            statistics.onReadAhead(readAhead.bytes());
        }
        if (signal)
            wakeReadLoop();
        return room;
    }

    private void dropped(ByteBuffer buffer, SocketAddress peer, QuicDatagramGuard.Verdict verdict)
    {
        statistics.onDatagramDropped();
        if (LOG.isDebugEnabled())
            LOG.debug("dropped {} byte datagram from {}: {}", buffer.remaining(), peer, verdict);
        BufferUtil.clear(buffer);
    }

    /**
     * Jetty 12.1.5 feeds a datagram of an established connection to quiche without asking quiche for packets after
     * it, so the ACKs, flow-control updates and data that datagram made due wait for quiche's timer or some stream
     * write. quiche's contract is to call send after receive; this does it per session, once per batch of datagrams.
     */
    private void flushFedSessions()
    {
        for (SocketAddress peer : fedPeers)
        {
            if (statistics.sessionFrom(peer) instanceof QuicheSession session)
                session.flush();
        }
        fedPeers.clear();
        fedSinceFlush = 0;
    }

    @Override
    public boolean send(SocketAddress address, ByteBuffer... buffers) throws IOException
    {
        try
        {
            return super.send(address, buffers);
        }
        catch (IOException x)
        {
            if (!getChannel().isOpen())
                throw x;
            // UDP is lossy anyway: drop this datagram rather than fail every later send.
            statistics.onSendFailed();
            if (LOG.isDebugEnabled())
                LOG.debug("send to {} failed, dropped as a lost packet", address, x);
            for (ByteBuffer buffer : buffers)
                buffer.position(buffer.limit());
            return true;
        }
    }
}
