package io.github.h3connector.jetty;

import java.lang.reflect.Field;
import java.util.Map;

import io.github.h3connector.quic.NettyQuicSession;
import org.eclipse.jetty.http3.MessageFlusher;
import org.eclipse.jetty.http3.parser.MessageParser;
import org.eclipse.jetty.http3.server.internal.ServerHTTP3Session;
import org.eclipse.jetty.quic.api.Session;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.quic.common.ProtocolSession;
import org.eclipse.jetty.quic.common.StreamEndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.util.component.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP/3 server connection factory that {@link H3QuicConnector} installs: Jetty's, with its GOAWAY fix (see
 * {@link GoAwayCoveringHTTP3ServerConnectionFactory}) and with each session's frames flushed per stream
 * ({@link PerStreamMessageFlusher}), so that one response waiting for flow-control credit cannot hold up the others,
 * and with a request header section over the limit answered by a 431 on its stream instead of closing the connection
 * ({@link HeaderSectionLimitCustomizer}).
 *
 * <p>The session's flusher is Jetty's private final field, replaced by reflection as the session is made, before it
 * writes anything. Where that is not allowed, sessions keep Jetty's flusher, with one warning.
 */
class StreamIsolatingHTTP3ServerConnectionFactory extends GoAwayCoveringHTTP3ServerConnectionFactory
{
    private static final Logger LOG = LoggerFactory.getLogger(StreamIsolatingHTTP3ServerConnectionFactory.class);
    /**
     * The QPACK decoder's limit is this many times the request header limit: a larger section still closes the
     * connection (Jetty's decoder has no stream-level error for it), a smaller one over the limit gets a 431.
     */
    static final int HARD_LIMIT_FACTOR = 4;

    /** Jetty's {@code ServerHTTP3Session.messageFlusher}, or null when it cannot be replaced. */
    private final Field messageFlusherField;

    StreamIsolatingHTTP3ServerConnectionFactory(HttpConfiguration configuration)
    {
        super(configuration);
        messageFlusherField = JettyPrivateField.find(ServerHTTP3Session.class, "messageFlusher", MessageFlusher.class,
            "a response blocked by flow control will hold up the others on its connection (HTTP/3)",
            "org.eclipse.jetty.http3.server/org.eclipse.jetty.http3.server.internal=io.github.h3connector", LOG);
        // No QPACK dynamic table for request headers (the server advertises a capacity of 0, so clients send no encoder
        // instructions): Jetty 12.1.5's decoder fails the whole connection with a QPACK session error when an
        // instruction arrives split right before a string literal (NBitStringDecoder), which a client opening hundreds
        // of streams at once makes likely.
        getHTTP3Configuration().setMaxDecoderTableCapacity(0);
        // The HTTP configuration may be shared with other connectors, HTTP/3 ones included: one customizer is enough.
        if (configuration.getCustomizer(HeaderSectionLimitCustomizer.class) == null)
            configuration.addCustomizer(new HeaderSectionLimitCustomizer(() -> getHTTP3Configuration().getMaxRequestHeadersSize()));
        // Nor for response headers (as Caddy and nginx do): each dynamic-table insert is an encoder-stream write and the
        // client acknowledges each section on its decoder stream, about one more datagram per small response (4.3
        // against 3.3 per 1 KiB request at 64 concurrent streams, benchmarks/ab.sh) for a few bytes saved per HEADERS.
        getHTTP3Configuration().setMaxEncoderTableCapacity(0);
    }

    /**
     * A request stream opened in 0-RTT gets an {@link EarlyDataStreamConnection} (as Jetty's own factory makes its
     * connection, with that class); the others Jetty's.
     */
    @Override
    public Connection newConnection(Connector connector, EndPoint endPoint)
    {
        if (connector instanceof H3QuicConnector quic && endPoint instanceof StreamEndPoint streamEndPoint &&
            NettyQuicSession.isEarlyDataStream(streamEndPoint.getStream()) && isRequestStream(streamEndPoint.getStream().getId()) &&
            streamEndPoint.getProtocolSession() instanceof ServerHTTP3Session session)
        {
            recordRequestStream(streamEndPoint);
            MessageParser parser = new MessageParser(session.getSessionServer().getParserListener(), session.getQpackDecoder(), streamEndPoint.getStream().getId());
            return configure(new EarlyDataStreamConnection(connector, getHttpConfiguration(), streamEndPoint, session, parser,
                quic.getOptions().earlyDataMethods()), connector, endPoint);
        }
        return super.newConnection(connector, endPoint);
    }

    @Override
    public ProtocolSession newProtocolSession(Session quicSession, Map<String, Object> context)
    {
        ProtocolSession protocolSession = super.newProtocolSession(quicSession, context);
        if (protocolSession instanceof ServerHTTP3Session session)
        {
            // The session sets its decoder's limit from the advertised settings as it starts, before it reads a request.
            session.addEventListener(new LifeCycle.Listener()
            {
                @Override
                public void lifeCycleStarted(LifeCycle event)
                {
                    int limit = getHTTP3Configuration().getMaxRequestHeadersSize();
                    if (limit > 0)
                        session.getQpackDecoder().setMaxHeadersSize((int)Math.min(Integer.MAX_VALUE, (long)limit * HARD_LIMIT_FACTOR));
                }
            });
        }
        if (messageFlusherField != null && protocolSession instanceof ServerHTTP3Session session)
        {
            try
            {
                messageFlusherField.set(session, new PerStreamMessageFlusher(session.getByteBufferPool(), session.getQpackEncoder(),
                    getHTTP3Configuration().isUseOutputDirectByteBuffers()));
            }
            catch (IllegalAccessException x)
            {
                LOG.debug("cannot replace the message flusher of {}", session, x);
            }
        }
        return protocolSession;
    }
}
