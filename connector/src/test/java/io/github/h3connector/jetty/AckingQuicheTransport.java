package io.github.h3connector.jetty;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.util.Map;
import java.util.concurrent.TimeoutException;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.DatagramChannelEndPoint;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.quic.api.Session;
import org.eclipse.jetty.quic.api.Stream;
import org.eclipse.jetty.quic.api.frames.ConnectionCloseFrame;
import org.eclipse.jetty.quic.api.frames.DataBlockedFrame;
import org.eclipse.jetty.quic.api.frames.Frame;
import org.eclipse.jetty.quic.api.frames.MaxDataFrame;
import org.eclipse.jetty.quic.api.frames.MaxStreamsFrame;
import org.eclipse.jetty.quic.api.frames.StreamsBlockedFrame;
import org.eclipse.jetty.quic.api.frames.TransportParameters;
import org.eclipse.jetty.quic.quiche.QuicheSession;
import org.eclipse.jetty.quic.quiche.client.QuicheClientQuicConfiguration;
import org.eclipse.jetty.quic.quiche.client.QuicheTransport;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Jetty 12.1.5's QUIC client with one fix: it acknowledges what it receives. The stock client feeds each datagram of an
 * established connection to quiche but asks quiche for packets to send only when it writes or reads stream data, so
 * while the application reads nothing (a paused download) the server's packets go unacknowledged, the server's
 * congestion window stays full, and no other response on that connection can be sent. This client flushes once the
 * socket's receive queue is empty.
 */
final class AckingQuicheTransport extends QuicheTransport
{
    AckingQuicheTransport(QuicheClientQuicConfiguration quic)
    {
        super(quic);
    }

    @Override
    public EndPoint newEndPoint(Scheduler scheduler, ManagedSelector selector, SelectableChannel selectable, SelectionKey key)
    {
        return new FlushingEndPoint((DatagramChannel)selectable, selector, key, scheduler);
    }

    @Override
    public Connection newConnection(EndPoint endPoint, Map<String, Object> context) throws IOException
    {
        Connection connection = super.newConnection(endPoint, context);
        // The session exists only once the connection opens it: learn it from the listener Jetty's connection will call.
        String key = Session.Listener.class.getName();
        context.put(key, new SessionCapture((Session.Listener)context.get(key), (FlushingEndPoint)endPoint));
        return connection;
    }

    private static final class FlushingEndPoint extends DatagramChannelEndPoint
    {
        private volatile QuicheSession session;

        private FlushingEndPoint(DatagramChannel channel, ManagedSelector selector, SelectionKey key, Scheduler scheduler)
        {
            super(channel, selector, key, scheduler);
        }

        @Override
        public SocketAddress receive(ByteBuffer buffer) throws IOException
        {
            SocketAddress peer = super.receive(buffer);
            QuicheSession quicheSession = session;
            if (peer == null && quicheSession != null)
                quicheSession.flush();
            return peer;
        }
    }

    /** Passes every event on unchanged; only remembers the session for {@link FlushingEndPoint}. */
    private record SessionCapture(Session.Listener delegate, FlushingEndPoint endPoint) implements Session.Listener
    {
        @Override
        public TransportParameters onPrepare(Session session)
        {
            return delegate.onPrepare(session);
        }

        @Override
        public void onOpen(Session session)
        {
            if (session instanceof QuicheSession quicheSession)
                endPoint.session = quicheSession;
            delegate.onOpen(session);
        }

        @Override
        public void onTransportParameters(Session session, TransportParameters parameters)
        {
            delegate.onTransportParameters(session, parameters);
        }

        @Override
        public Stream.Listener onNewStream(Session session, Frame.WithStreamId frame)
        {
            return delegate.onNewStream(session, frame);
        }

        @Override
        public void onMaxStreams(Session session, MaxStreamsFrame frame)
        {
            delegate.onMaxStreams(session, frame);
        }

        @Override
        public void onPing(Session session)
        {
            delegate.onPing(session);
        }

        @Override
        public void onStreamsBlocked(Session session, StreamsBlockedFrame frame)
        {
            delegate.onStreamsBlocked(session, frame);
        }

        @Override
        public void onMaxData(Session session, MaxDataFrame frame)
        {
            delegate.onMaxData(session, frame);
        }

        @Override
        public void onDataBlocked(Session session, DataBlockedFrame frame)
        {
            delegate.onDataBlocked(session, frame);
        }

        @Override
        public boolean onIdleTimeout(Session session, TimeoutException failure)
        {
            return delegate.onIdleTimeout(session, failure);
        }

        @Override
        public void onClose(Session session, ConnectionCloseFrame frame)
        {
            delegate.onClose(session, frame);
        }

        @Override
        public void onDisconnect(Session session)
        {
            delegate.onDisconnect(session);
        }
    }
}
