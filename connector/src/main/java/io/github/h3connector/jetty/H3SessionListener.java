package io.github.h3connector.jetty;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import io.github.h3connector.quic.NettyQuicSession;
import org.eclipse.jetty.quic.api.Session;
import org.eclipse.jetty.quic.api.Stream;
import org.eclipse.jetty.quic.api.frames.ConnectionCloseFrame;
import org.eclipse.jetty.quic.api.frames.Frame;
import org.eclipse.jetty.quic.common.AbstractSession;
import org.eclipse.jetty.quic.util.ErrorCode;
import org.eclipse.jetty.quic.common.ProtocolSession;
import org.eclipse.jetty.quic.common.ProtocolStreamListener;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.util.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects one QUIC session to the protocol its client chose with ALPN: asks the connector's factory for that
 * protocol ({@code h3}: Jetty's {@code HTTP3ServerConnectionFactory}) for a {@link ProtocolSession}, and forwards the
 * session's events to it, as Jetty's own QUIC connector does.
 */
final class H3SessionListener implements AbstractSession.Listener
{
    private static final Logger LOG = LoggerFactory.getLogger(H3SessionListener.class);

    private final AtomicReference<ProtocolSession> protocolSession = new AtomicReference<>();
    private final Connector connector;

    H3SessionListener(Connector connector)
    {
        this.connector = connector;
    }

    @Override
    public void onOpen(Session session)
    {
        try
        {
            NettyQuicSession quic = (NettyQuicSession)session;
            String protocol = quic.getNegotiatedProtocol();
            ConnectionFactory factory = protocol == null ? null : connector.getConnectionFactory(protocol);
            if (!(factory instanceof ProtocolSession.Factory protocols))
                throw new IllegalStateException("no QUIC protocol factory for ALPN protocol " + protocol);
            ProtocolSession created = protocols.newProtocolSession(session, Map.of());
            protocolSession.set(created);
            // Starts it, which sends the HTTP/3 SETTINGS.
            quic.addManaged(created);
        }
        catch (Throwable x)
        {
            LOG.debug("could not create the protocol session of {}", session, x);
            session.disconnect(new ConnectionCloseFrame(ErrorCode.APPLICATION_ERROR.code(), "invalid_protocol"), x, Promise.Invocable.noop());
        }
    }

    @Override
    public Stream.Listener onNewStream(Session session, Frame.WithStreamId frame)
    {
        return new ProtocolStreamListener.Server(protocolSession.get());
    }

    @Override
    public boolean onIdleTimeout(Session session, TimeoutException failure)
    {
        ProtocolSession current = protocolSession.get();
        return current == null || current.onIdleTimeout(failure);
    }

    @Override
    public CompletableFuture<Session> onLocalShutdown(Session session)
    {
        ProtocolSession current = protocolSession.get();
        return current == null ? CompletableFuture.completedFuture(session) : current.shutdown().thenApply(ignored -> session);
    }

    @Override
    public void onLocalClose(Session session, ConnectionCloseFrame frame, Promise.Invocable<Session> promise)
    {
        ProtocolSession current = protocolSession.get();
        if (current == null)
            promise.succeeded(session);
        else
            current.close(frame, Promise.Invocable.toPromise(promise, ignored -> session));
    }

    @Override
    public void onClose(Session session, ConnectionCloseFrame frame)
    {
        ProtocolSession current = protocolSession.get();
        if (current != null)
            current.onClose(frame);
    }
}
