package io.github.h3connector.jetty;

import java.lang.reflect.Field;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.jetty.http3.HTTP3Session;
import org.eclipse.jetty.http3.server.HTTP3ServerConnectionFactory;
import org.eclipse.jetty.http3.server.internal.ServerHTTP3Session;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.quic.common.StreamEndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.util.Atomics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jetty's HTTP/3 server connection factory, with the GOAWAY that ends a graceful shutdown covering the requests the
 * session accepted.
 *
 * <p>Jetty 12.1.5 never records the request streams its server sessions accept ({@code HTTP3Session.createStream}
 * creates every stream as local, and only remote ones raise {@code lastStreamId}), so the GOAWAY it sends once the last
 * stream is done, or on close, always carries stream id 0. By RFC 9114 section 5.2 that tells the client that no request
 * was processed: an RFC client may retry requests the server already served, and Jetty's own client fails every
 * response it has not finished reading with {@code RetryableStreamException} (1 or 2 in 50 in the graceful-stop test).
 * Here the session's id moves past each client request stream as the stream opens, so that the GOAWAY carries the
 * first stream id the session has not seen (the RFC's "requests with this id or greater were not processed"). Jetty's
 * client fails only streams above the id, so it agrees. Left as in Jetty: the session rejects only ids above the one it
 * sent, so a request on exactly that stream, opened before the client saw the first (graceful) GOAWAY but arriving
 * after the last stream finished, is still served while an RFC client takes it as rejected.
 *
 * <p>There is no API for it: the id is Jetty's private field, reached by reflection. Where that is not allowed (Jetty
 * on the module path without {@code --add-opens}), sessions behave as in Jetty, with one warning.
 */
class GoAwayCoveringHTTP3ServerConnectionFactory extends HTTP3ServerConnectionFactory
{
    private static final Logger LOG = LoggerFactory.getLogger(GoAwayCoveringHTTP3ServerConnectionFactory.class);

    /** Jetty's {@code HTTP3Session.lastStreamId}, or null when it cannot be reached. */
    private final Field lastStreamIdField;

    GoAwayCoveringHTTP3ServerConnectionFactory(HttpConfiguration configuration)
    {
        super(configuration);
        lastStreamIdField = JettyPrivateField.find(HTTP3Session.class, "lastStreamId", AtomicLong.class,
            "GOAWAY frames will carry Jetty's stream id 0 (HTTP/3 graceful shutdown)", "org.eclipse.jetty.http3.common/org.eclipse.jetty.http3=io.github.h3connector", LOG);
    }

    /** Called by the session for each bidirectional stream the client opens, before its request is read. */
    @Override
    public Connection newConnection(Connector connector, EndPoint endPoint)
    {
        if (endPoint instanceof StreamEndPoint stream)
            recordRequestStream(stream);
        return super.newConnection(connector, endPoint);
    }

    /** Moves the GOAWAY id past {@code stream} when it is a client request stream. */
    void recordRequestStream(StreamEndPoint stream)
    {
        if (lastStreamIdField != null && isRequestStream(stream.getStream().getId()) &&
            stream.getProtocolSession() instanceof ServerHTTP3Session session)
        {
            try
            {
                Atomics.updateMax((AtomicLong)lastStreamIdField.get(session.getSessionServer()), goAwayIdCovering(stream.getStream().getId()));
            }
            catch (IllegalAccessException x)
            {
                LOG.debug("cannot record stream {}", stream.getStream().getId(), x);
            }
        }
    }

    /** @return the GOAWAY id that covers client request stream {@code streamId}: the next client request stream's id */
    static long goAwayIdCovering(long streamId)
    {
        return streamId + 4;
    }

    /** @return whether {@code streamId} is a client-initiated bidirectional stream, i.e. an HTTP/3 request stream */
    static boolean isRequestStream(long streamId)
    {
        return (streamId & 0x3) == 0;
    }
}
