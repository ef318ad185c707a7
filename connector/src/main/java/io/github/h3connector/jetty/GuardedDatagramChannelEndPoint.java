package io.github.h3connector.jetty;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.util.ArrayList;
import java.util.List;
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
 * The listening UDP endpoint of {@link H3QuicConnector}: drops what {@link QuicDatagramGuard} refuses before Jetty's QUIC
 * code sees it, and treats a failed send like a lost packet, because in Jetty 12.1.5 one failed send fails the listener's
 * flusher for good and the server can never send again.
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
    /** Peers whose datagrams were handed to Jetty since the last flush; only the producing thread touches it. */
    private final List<SocketAddress> fedPeers = new ArrayList<>();
    private int fedSinceFlush;

    GuardedDatagramChannelEndPoint(DatagramChannel channel, ManagedSelector selector, SelectionKey key, Scheduler scheduler,
                                   H3Statistics statistics, H3Options options, QuicDrain drain)
    {
        super(channel, selector, key, scheduler);
        this.statistics = statistics;
        int maxConnections = options.maxConnections();
        // No new connections while draining: they would only be told to go away again.
        this.belowConnectionLimit = () -> !drain.isDraining() && statistics.getOpenQuicConnections() < maxConnections;
        this.congestionControl = options.congestionControl();
        this.drain = drain;
    }

    @Override
    public SocketAddress receive(ByteBuffer buffer) throws IOException
    {
        while (true)
        {
            if (fedSinceFlush >= FLUSH_EVERY)
                flushFedSessions();
            SocketAddress peer = super.receive(buffer);
            if (peer == null)
            {
                // The queue is empty: everything received has been fed to quiche.
                flushFedSessions();
                return null;
            }
            if (peer == EOF || !(peer instanceof InetSocketAddress inet))
                return peer;
            statistics.onDatagramReceived();
            QuicDatagramGuard.Verdict verdict = QuicDatagramGuard.check(buffer, inet, belowConnectionLimit);
            if (verdict == QuicDatagramGuard.Verdict.ADMIT)
            {
                // Jetty processes this datagram on this thread next, and may accept a connection for it.
                CongestionControlQuicheBinding.acceptWith(congestionControl);
                drain.heardFrom(peer);
                fedSinceFlush++;
                if (fedPeers.isEmpty() || !fedPeers.get(fedPeers.size() - 1).equals(peer))
                    fedPeers.add(peer);
                return peer;
            }
            statistics.onDatagramDropped();
            if (LOG.isDebugEnabled())
                LOG.debug("dropped {} byte datagram from {}: {}", buffer.remaining(), peer, verdict);
            BufferUtil.clear(buffer);
        }
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
