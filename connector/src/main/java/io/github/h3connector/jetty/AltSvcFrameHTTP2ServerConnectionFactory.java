package io.github.h3connector.jetty;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLSession;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http2.FlowControlStrategy;
import org.eclipse.jetty.http2.HTTP2Connection;
import org.eclipse.jetty.http2.HTTP2Session;
import org.eclipse.jetty.http2.SessionContainer;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.api.server.ServerSessionListener;
import org.eclipse.jetty.http2.frames.Frame;
import org.eclipse.jetty.http2.frames.FrameType;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.generator.Generator;
import org.eclipse.jetty.http2.hpack.HpackException;
import org.eclipse.jetty.http2.parser.ServerParser;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.http2.server.internal.HTTP2ServerConnection;
import org.eclipse.jetty.http2.server.internal.HTTP2ServerSession;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.X509;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jetty's HTTP/2 server factory, plus {@code ALTSVC} frames (RFC 7838 section 4; see {@link AltSvcFrameMode}).
 *
 * <p>All the coupling to Jetty internals needed for that is in this one class. Jetty 12.1.5 has no API for extension
 * frames, so:
 * <ul>
 *   <li>the frame borrows the synthetic type {@link FrameType#FLUSH}, which Jetty's flusher never drops, never
 *       reorders and otherwise ignores; {@link AltSvcGenerator} writes its bytes (type {@code 0x0a}) instead;</li>
 *   <li>{@link #newConnection} is a copy of {@code AbstractHTTP2ServerConnectionFactory.newConnection} (identical in
 *       12.1.5 and 12.1.10), because that method hard-codes {@code new Generator(...)} and the session class;</li>
 *   <li>frames are queued with {@link HTTP2Session#frames}, so they go through Jetty's own flusher queue, in order with
 *       everything else (writing to the {@link EndPoint} directly would clash with the flusher's pending write).</li>
 * </ul>
 * The value is the one {@link AltSvcCustomizer} puts in the header, from {@link H3QuicConnector#altSvcField()}: none
 * while QUIC is down, {@code clear} while draining. The protocol order and every HTTP/2 setting are copied from the
 * stock factory this one replaces, so ALPN (including {@link BlockingUpgradeALPNServerConnectionFactory}) picks it up
 * under the same name, {@code h2}.
 */
class AltSvcFrameHTTP2ServerConnectionFactory extends HTTP2ServerConnectionFactory
{
    private static final Logger LOG = LoggerFactory.getLogger(AltSvcFrameHTTP2ServerConnectionFactory.class);

    private final H3QuicConnector quicConnector;
    private final AltSvcFrameMode mode;
    private final H3Statistics statistics;

    /**
     * @param stock the factory to replace; its settings are copied now, so configure it before
     * @param quicConnector whose state decides the value
     * @param mode which frames to send; not {@link AltSvcFrameMode#OFF}
     * @param statistics where frames sent and skipped are counted
     */
    AltSvcFrameHTTP2ServerConnectionFactory(HTTP2ServerConnectionFactory stock, H3QuicConnector quicConnector, AltSvcFrameMode mode, H3Statistics statistics)
    {
        super(stock.getHttpConfiguration(), stock.getProtocols().toArray(String[]::new));
        if (!mode.onConnection())
            throw new IllegalArgumentException("mode must not be " + mode);
        this.quicConnector = quicConnector;
        this.mode = mode;
        this.statistics = statistics;
        setMaxDecoderTableCapacity(stock.getMaxDecoderTableCapacity());
        setMaxEncoderTableCapacity(stock.getMaxEncoderTableCapacity());
        setInitialSessionRecvWindow(stock.getInitialSessionRecvWindow());
        setInitialStreamRecvWindow(stock.getInitialStreamRecvWindow());
        setMaxConcurrentStreams(stock.getMaxConcurrentStreams());
        setMaxHeaderBlockFragment(stock.getMaxHeaderBlockFragment());
        setMaxFrameSize(stock.getMaxFrameSize());
        setMaxSettingsKeys(stock.getMaxSettingsKeys());
        setConnectProtocolEnabled(stock.isConnectProtocolEnabled());
        setRateControlFactory(stock.getRateControlFactory());
        setFlowControlStrategyFactory(stock.getFlowControlStrategyFactory());
        setStreamIdleTimeout(stock.getStreamIdleTimeout());
        setUseInputDirectByteBuffers(stock.isUseInputDirectByteBuffers());
        setUseOutputDirectByteBuffers(stock.isUseOutputDirectByteBuffers());
        setInputBufferSize(stock.getInputBufferSize());
        stock.getEventListeners().forEach(this::addEventListener);
    }

    @Override
    public String toString()
    {
        return super.toString() + "{altSvcFrame=" + mode + "}";
    }

    /** Copied from {@code AbstractHTTP2ServerConnectionFactory.newConnection} (Jetty 12.1.5); changes marked "h3connector". */
    @Override
    public Connection newConnection(Connector connector, EndPoint endPoint)
    {
        ServerSessionListener listener = newSessionListener(connector, endPoint);

        // h3connector: a generator that also writes ALTSVC frames.
        Generator generator = new AltSvcGenerator(connector.getByteBufferPool(), isUseOutputDirectByteBuffers(), getMaxHeaderBlockFragment());
        int maxResponseHeaderSize = getHttpConfiguration().getMaxResponseHeaderSize();
        if (maxResponseHeaderSize < 0)
            maxResponseHeaderSize = getHttpConfiguration().getResponseHeaderSize();
        generator.getHpackEncoder().setMaxHeaderListSize(maxResponseHeaderSize);

        FlowControlStrategy flowControl = getFlowControlStrategyFactory().newFlowControlStrategy();

        ServerParser parser = new ServerParser(connector.getByteBufferPool(), getHttpConfiguration().getRequestHeaderSize(),
            getRateControlFactory().newRateControl(endPoint));
        parser.setMaxSettingsKeys(getMaxSettingsKeys());

        // h3connector: a session that queues the connection's ALTSVC right after its SETTINGS.
        HTTP2ServerSession session = new AltSvcSession(connector.getScheduler(), endPoint, parser, generator, listener, flowControl);
        session.setMaxLocalStreams(getMaxConcurrentStreams());
        session.setMaxRemoteStreams(getMaxConcurrentStreams());
        session.setMaxEncoderTableCapacity(getMaxEncoderTableCapacity());
        long streamIdleTimeout = getStreamIdleTimeout();
        if (streamIdleTimeout == 0)
            streamIdleTimeout = endPoint.getIdleTimeout();
        session.setStreamIdleTimeout(streamIdleTimeout);
        session.setInitialSessionRecvWindow(getInitialSessionRecvWindow());
        session.setWriteThreshold(getHttpConfiguration().getOutputBufferSize());
        session.setConnectProtocolEnabled(isConnectProtocolEnabled());

        HTTP2Connection connection = new HTTP2ServerConnection(connector, endPoint, getHttpConfiguration(), session, listener);
        connection.setUseInputDirectByteBuffers(isUseInputDirectByteBuffers());
        connection.setUseOutputDirectByteBuffers(isUseOutputDirectByteBuffers());
        // h3connector: upstream adds its private SessionContainer field (graceful shutdown of HTTP/2 sessions), which
        // is also its bean.
        connection.addEventListener(getBean(SessionContainer.class));
        getEventListeners().forEach(session::addEventListener);
        parser.init(connection);

        return configure(connection, connector, endPoint);
    }

    @Override
    protected ServerSessionListener newSessionListener(Connector connector, EndPoint endPoint)
    {
        return mode.onStreams() ? new StreamAltSvcListener(endPoint) : super.newSessionListener(connector, endPoint);
    }

    /** @return the frame for a new connection, or empty (counted as skipped) when there is nothing valid to send */
    Optional<AltSvcFrame> connectionFrame(EndPoint endPoint)
    {
        HttpField value = quicConnector.altSvcField();
        if (value == null)
            return Optional.empty();
        Optional<String> origin = origin(endPoint);
        if (origin.isEmpty())
        {
            statistics.onAltSvcFrameSkipped();
            return Optional.empty();
        }
        return validated(() -> AltSvcFrame.forConnection(origin.get(), value.getValue()));
    }

    private Optional<AltSvcFrame> streamFrame(int streamId)
    {
        HttpField value = quicConnector.altSvcField();
        if (value == null)
            return Optional.empty();
        return validated(() -> AltSvcFrame.forStream(streamId, value.getValue()));
    }

    private Optional<AltSvcFrame> validated(Supplier<AltSvcFrame> frame)
    {
        try
        {
            return Optional.of(frame.get());
        }
        catch (IllegalArgumentException x)
        {
            // A bad frame must cost the frame, not the session. Values come from AltSvc, which validated them; the SNI
            // host comes from the client (e.g. an underscore under a wildcard certificate), hence debug, not warn.
            statistics.onAltSvcFrameSkipped();
            LOG.debug("ALTSVC frame not sent: {}", x.getMessage());
            return Optional.empty();
        }
    }

    /**
     * The connection's origin: {@code https://} + the host the client named in TLS SNI + the port it connected to,
     * only when the certificate the server presented covers that host (clients ignore the frame otherwise, and must).
     */
    static Optional<String> origin(EndPoint endPoint)
    {
        EndPoint.SslSessionData tls = endPoint.getSslSessionData();
        SSLSession session = tls == null ? null : tls.sslSession();
        if (!(session instanceof ExtendedSSLSession extended))
            return Optional.empty();
        String host = null;
        for (SNIServerName name : extended.getRequestedServerNames())
        {
            if (name instanceof SNIHostName sni)
                host = sni.getAsciiName();
        }
        Certificate[] certificates = session.getLocalCertificates();
        SocketAddress local = endPoint.getLocalSocketAddress();
        if (host == null || certificates == null || certificates.length == 0 || !(certificates[0] instanceof X509Certificate certificate) ||
            !(local instanceof InetSocketAddress address))
            return Optional.empty();
        if (!new X509(null, certificate).matches(host))
        {
            LOG.debug("no connection ALTSVC: the certificate does not cover SNI host {}", host);
            return Optional.empty();
        }
        return Optional.of(AltSvcFrame.origin(host, address.getPort()));
    }

    /** Queues {@code frame} in Jetty's flusher and counts it. */
    private void queue(HTTP2Session session, AltSvcFrame frame)
    {
        // stream null: the entry is never dropped or tied to a stream's reset; the stream id is in the frame's bytes.
        session.frames(null, List.of(new JettyAltSvcFrame(frame)), Callback.NOOP);
        statistics.onAltSvcFrame();
    }

    /** An {@link AltSvcFrame} in Jetty's frame queue, under the borrowed synthetic type {@code FLUSH}. */
    private static final class JettyAltSvcFrame extends Frame
    {
        private final AltSvcFrame frame;

        private JettyAltSvcFrame(AltSvcFrame frame)
        {
            super(FrameType.FLUSH);
            this.frame = frame;
        }

        @Override
        public String toString()
        {
            return frame.toString();
        }
    }

    /** Writes {@link JettyAltSvcFrame}s; every other frame as Jetty does. */
    private static final class AltSvcGenerator extends Generator
    {
        private AltSvcGenerator(ByteBufferPool bufferPool, boolean useDirectByteBuffers, int maxHeaderBlockFragment)
        {
            super(bufferPool, useDirectByteBuffers, maxHeaderBlockFragment);
        }

        @Override
        public int control(RetainableByteBuffer.Mutable accumulator, Frame frame) throws HpackException
        {
            if (frame instanceof JettyAltSvcFrame altSvc)
            {
                byte[] bytes = altSvc.frame.bytes();
                accumulator.put(bytes, 0, bytes.length);
                return bytes.length;
            }
            return super.control(accumulator, frame);
        }
    }

    /** Queues the connection's ALTSVC right after the SETTINGS (and WINDOW_UPDATE) that answer the client preface. */
    private final class AltSvcSession extends HTTP2ServerSession
    {
        private AltSvcSession(Scheduler scheduler, EndPoint endPoint, ServerParser parser, Generator generator, ServerSessionListener listener, FlowControlStrategy flowControl)
        {
            super(scheduler, endPoint, parser, generator, listener, flowControl);
        }

        @Override
        public void onPreface()
        {
            super.onPreface();
            connectionFrame(getEndPoint()).ifPresent(frame -> queue(this, frame));
        }
    }

    /** Queues a stream's ALTSVC when the request arrives, before the application can commit the response. */
    private final class StreamAltSvcListener extends HTTPServerSessionListener
    {
        private StreamAltSvcListener(EndPoint endPoint)
        {
            super(endPoint);
        }

        @Override
        public Stream.Listener onNewStream(Stream stream, HeadersFrame frame)
        {
            streamFrame(stream.getId()).ifPresent(altSvc -> queue((HTTP2Session)stream.getSession(), altSvc));
            return super.onNewStream(stream, frame);
        }
    }
}
