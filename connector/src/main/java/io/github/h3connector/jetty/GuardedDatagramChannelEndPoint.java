package io.github.h3connector.jetty;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.util.function.BooleanSupplier;

import org.eclipse.jetty.io.DatagramChannelEndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.quic.quiche.QuicheConfig;
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

    private final H3Statistics statistics;
    /** Counting the open connections is not free, so it is asked only for datagrams that open one. */
    private final BooleanSupplier belowConnectionLimit;
    private final QuicheConfig.CongestionControl congestionControl;
    private final QuicDrain drain;

    GuardedDatagramChannelEndPoint(DatagramChannel channel, ManagedSelector selector, SelectionKey key, Scheduler scheduler,
                                   H3Statistics statistics, H3Options options, QuicDrain drain)
    {
        super(channel, selector, key, scheduler);
        this.statistics = statistics;
        int maxConnections = options.maxConnections();
        this.belowConnectionLimit = () -> statistics.getOpenQuicConnections() < maxConnections;
        this.congestionControl = options.congestionControl();
        this.drain = drain;
    }

    @Override
    public SocketAddress receive(ByteBuffer buffer) throws IOException
    {
        while (true)
        {
            SocketAddress peer = super.receive(buffer);
            if (peer == null || peer == EOF || !(peer instanceof InetSocketAddress inet))
                return peer;
            QuicDatagramGuard.Verdict verdict = QuicDatagramGuard.check(buffer, inet, belowConnectionLimit);
            if (verdict == QuicDatagramGuard.Verdict.ADMIT)
            {
                // Jetty processes this datagram on this thread next, and may accept a connection for it.
                CongestionControlQuicheBinding.acceptWith(congestionControl);
                drain.heardFrom(peer);
                return peer;
            }
            statistics.onDatagramDropped();
            if (LOG.isDebugEnabled())
                LOG.debug("dropped {} byte datagram from {}: {}", buffer.remaining(), peer, verdict);
            BufferUtil.clear(buffer);
        }
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
