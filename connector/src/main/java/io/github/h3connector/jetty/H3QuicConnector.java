package io.github.h3connector.jetty;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;

import io.github.h3connector.altsvc.AltSvc;
import io.github.h3connector.quic.NettyQuicServer;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http3.HTTP3ErrorCode;
import org.eclipse.jetty.http3.HTTP3Session;
import org.eclipse.jetty.http3.server.HTTP3ServerQuicConfiguration;
import org.eclipse.jetty.http3.server.internal.ServerHTTP3Session;
import org.eclipse.jetty.quic.api.Session;
import org.eclipse.jetty.quic.api.frames.ConnectionCloseFrame;
import org.eclipse.jetty.quic.common.SessionContainer;
import org.eclipse.jetty.quic.server.ServerQuicConfiguration;
import org.eclipse.jetty.server.AbstractNetworkConnector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.internal.ResponseHttpFields;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.annotation.ManagedOperation;
import org.eclipse.jetty.util.annotation.Name;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A QUIC connector for HTTP/3: Jetty's HTTP/3 ({@code HTTP3ServerConnectionFactory}) on the QUIC engine of
 * {@link NettyQuicServer}. It checks its requirements before binding, binds the same port number as its HTTPS peer by
 * default, and knows what {@code Alt-Svc} to advertise: its own {@code h3} alternative while it runs, {@code clear}
 * while the server shuts down gracefully, nothing otherwise.
 *
 * <p>Start fails with an {@link H3StartupException} subclass, before any UDP port is bound, when: TLS is not configured
 * or its keystore is missing, unreadable, has the wrong password or no key usable for TLS 1.3
 * ({@link TlsConfigurationException}); the native QUIC library is not available for this platform
 * ({@link QuicNativeLibraryException}); the UDP port is taken ({@link UdpPortInUseException}).
 */
@ManagedObject("HTTP/3 (QUIC) connector")
public class H3QuicConnector extends AbstractNetworkConnector
{
    private static final long DRAIN_POLL_MILLIS = 50;
    private static final long CLOSE_WAIT_MILLIS = 2000;
    private static final int EPHEMERAL_PORT_ATTEMPTS = 8;
    private static final Logger LOG = LoggerFactory.getLogger(H3QuicConnector.class);
    /** Persistent fields survive {@code Response.reset()}; an application's own value still replaces them. */
    static final HttpField CLEAR = new ResponseHttpFields.PersistentPreEncodedHttpField(HttpHeader.ALT_SVC, AltSvc.CLEAR.headerValue());

    private final SessionContainer sessions = new SessionContainer();
    private final SslContextFactory.Server sslContextFactory;
    private final ServerQuicConfiguration quicConfiguration;
    private final H3Options options;
    private final NetworkConnector httpsPeer;
    private final H3Statistics statistics;
    private final QuicDrain drain = new QuicDrain();
    private final QlogRecorder qlog;
    private volatile HttpField advertisement;
    private volatile NettyQuicServer engine;

    /**
     * @param server the server
     * @param sslContextFactory the TLS setup, normally the one of the HTTPS connector
     * @param httpConfiguration the HTTP configuration, normally the one of the HTTPS connector
     * @param options the settings
     * @param httpsPeer the HTTPS connector whose port number this connector shares by default, or null
     * @param statistics where to count QUIC connections
     */
    public H3QuicConnector(Server server, SslContextFactory.Server sslContextFactory, HttpConfiguration httpConfiguration,
                           H3Options options, NetworkConnector httpsPeer, H3Statistics statistics)
    {
        super(server, null, null, null, 0, new StreamIsolatingHTTP3ServerConnectionFactory(httpConfiguration));
        this.sslContextFactory = sslContextFactory;
        this.options = options;
        this.httpsPeer = httpsPeer;
        this.statistics = statistics;
        this.quicConfiguration = quicConfiguration(options);
        this.qlog = new QlogRecorder(options);
        setHost(options.host().orElse(null));
        setPort(options.udpPort().orElse(options.port()));
        setIdleTimeout(options.idleTimeout().toMillis());
        getConnectionFactory(StreamIsolatingHTTP3ServerConnectionFactory.class).getHTTP3Configuration()
            .setStreamIdleTimeout(options.streamIdleTimeout().toMillis());
        quicConfiguration.addEventListener(sessions);
        quicConfiguration.addEventListener(statistics);
        quicConfiguration.addEventListener(new ShutdownOnDisconnect());
        addBean(quicConfiguration);
        addBean(sessions);
        addBean(statistics);
    }

    private static ServerQuicConfiguration quicConfiguration(H3Options options)
    {
        ServerQuicConfiguration quic = HTTP3ServerQuicConfiguration.configure(new ServerQuicConfiguration());
        quic.setSessionMaxData(options.sessionMaxData());
        quic.setLocalBidirectionalStreamMaxData(options.streamMaxData());
        quic.setRemoteBidirectionalStreamMaxData(options.streamMaxData());
        quic.setBidirectionalMaxStreams(options.maxStreams());
        return quic;
    }

    public H3Options getOptions()
    {
        return options;
    }

    public SslContextFactory.Server getSslContextFactory()
    {
        return sslContextFactory;
    }

    /** @return the QUIC settings Jetty's HTTP/3 session reads (flow-control windows, stream limits) */
    public ServerQuicConfiguration getQuicConfiguration()
    {
        return quicConfiguration;
    }

    @ManagedAttribute(value = "The UDP I/O: epoll or nio", readonly = true)
    public String getUdpIo()
    {
        return NettyQuicServer.transport();
    }

    @ManagedAttribute(value = "The Alt-Svc value advertised now, or null", readonly = true)
    public String getAltSvc()
    {
        HttpField field = altSvcField();
        return field == null ? null : field.getValue();
    }

    @ManagedAttribute(value = "QUIC handshakes started and not finished", readonly = true)
    public int getPendingHandshakes()
    {
        NettyQuicServer current = engine;
        return current == null ? 0 : current.pendingHandshakes();
    }

    /**
     * Turns qlog on for the next {@code connections} new QUIC connections (0 turns it off), replacing what was asked
     * before; see {@link H3Options.Builder#qlog} for the files and the bound.
     *
     * @return what will be recorded, in one line
     * @throws IllegalArgumentException when the directory cannot be written or a number is out of range
     */
    @ManagedOperation(value = "Writes a qlog of each of the next N new QUIC connections to a directory, bounded in total size", impact = "ACTION")
    public String recordQlog(@Name(value = "connections", description = "how many new connections to record, 0 to stop") int connections,
                             @Name(value = "directory", description = "the directory for the .sqlog files, created if missing") String directory,
                             @Name(value = "maxBytes", description = "bound on the total size of the qlog files, at least 65536") long maxBytes)
    {
        if (directory == null || directory.isBlank())
            throw new IllegalArgumentException("qlog directory is missing; name a writable directory");
        Path path = Path.of(directory).toAbsolutePath();
        qlog.recordNext(connections, path, maxBytes);
        return "qlog for the next " + connections + " QUIC connection(s) in " + path + ", at most " + maxBytes + " bytes in total";
    }

    @ManagedAttribute(value = "New QUIC connections still to be recorded in qlog (9223372036854775807: all)", readonly = true)
    public long getQlogConnectionsLeft()
    {
        return qlog.remaining();
    }

    /** @return the Alt-Svc field to send now: the advertisement while running, clear while draining, else null */
    HttpField altSvcField()
    {
        if (drain.isDraining())
            return CLEAR;
        return isRunning() ? advertisement : null;
    }

    /**
     * @return {@code up} while running with its socket open and taking new connections, {@code draining} during a
     *         graceful stop, else {@code stopped}
     */
    String http3State()
    {
        if (drain.isDraining())
            return "draining";
        return isRunning() && engine != null ? "up" : "stopped";
    }

    @Override
    public boolean isOpen()
    {
        return engine != null;
    }

    @Override
    public int getLocalPort()
    {
        NettyQuicServer current = engine;
        return current == null ? -1 : current.localPort();
    }

    @Override
    public Object getTransport()
    {
        return engine;
    }

    @Override
    public void open() throws IOException
    {
        if (isOpen())
            return;
        KeyManager keyManager = TlsRequirements.check(sslContextFactory);
        Throwable unavailable = NettyQuicServer.nativeLibraryUnavailability();
        if (unavailable != null)
            throw QuicNativeLibraryException.forThisPlatform(NettyQuicServer.supportedPlatforms(), unavailable);
        boolean followsPeer = options.udpPort().isEmpty() && httpsPeer != null;
        // Port 0 means "any free port", TCP and UDP alike: a TCP port the kernel picked may be taken on UDP, so pick again.
        int attempts = followsPeer && httpsPeer.getPort() == 0 && httpsPeer instanceof ServerConnector ? EPHEMERAL_PORT_ATTEMPTS : 1;
        for (int attempt = 1; ; attempt++)
        {
            if (followsPeer)
            {
                // Same port number as HTTPS: with port 0 it is only known once the TCP side is bound (a retry has rebound it).
                httpsPeer.open();
                setPort(httpsPeer.getLocalPort());
            }
            NettyQuicServer server = new NettyQuicServer(settings(keyManager), getExecutor(), quicConfiguration,
                () -> new H3SessionListener(this), new Gate());
            try
            {
                server.start();
                engine = server;
                break;
            }
            catch (BindException x)
            {
                if (attempt < attempts)
                {
                    LOG.debug("UDP port {} is taken, picking another free port for TCP and UDP", getPort(), x);
                    reopenOnAnotherPort((ServerConnector)httpsPeer);
                    continue;
                }
                String host = getHost() == null ? "0.0.0.0" : getHost();
                throw new UdpPortInUseException("UDP port " + getPort() + " on " + host + " is already in use, so QUIC (HTTP/3) cannot listen: " +
                    "stop the process that holds it (ss -ulpn 'sport = :" + getPort() + "') or configure another UDP port", x);
            }
        }
        super.open();
    }

    private NettyQuicServer.Settings settings(KeyManager keyManager)
    {
        return new NettyQuicServer.Settings(getHost(), getPort(), options.eventLoops(), options.idleTimeout(),
            quicConfiguration.getSessionMaxData(), quicConfiguration.getLocalBidirectionalStreamMaxData(),
            quicConfiguration.getRemoteBidirectionalStreamMaxData(), quicConfiguration.getUnidirectionalStreamMaxData(),
            quicConfiguration.getBidirectionalMaxStreams(), quicConfiguration.getUnidirectionalMaxStreams(),
            options.congestionControl().name(), options.retry().pendingHandshakesThreshold(), options.secret().orElse(null),
            keyManager, TlsRequirements.keyPassword(sslContextFactory), options.earlyData(), qlog);
    }

    @Override
    public void close()
    {
        NettyQuicServer current = engine;
        engine = null;
        if (current != null)
        {
            closeOpenSessions();
            current.stop();
        }
        super.close();
    }

    /**
     * A stop that did not drain (no stop timeout, or it ran out): HTTP/3 closes each connection inwards first, so
     * streams still in flight are reset with an HTTP/3 error and the client learns of it at once, rather than after
     * its idle timeout; then the sockets close. Waits up to {@value #CLOSE_WAIT_MILLIS} ms for the closes to go out.
     */
    private void closeOpenSessions()
    {
        List<CompletableFuture<Session>> closes = new ArrayList<>();
        for (Session session : statistics.openSessions())
        {
            CompletableFuture<Session> closed = new CompletableFuture<>();
            session.close(new ConnectionCloseFrame(HTTP3ErrorCode.NO_ERROR.code(), "stop"), Promise.Invocable.toPromise(closed));
            closes.add(closed);
        }
        try
        {
            CompletableFuture.allOf(closes.toArray(CompletableFuture[]::new)).get(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        }
        catch (Exception x)
        {
            LOG.debug("not every QUIC connection closed within {} ms", CLOSE_WAIT_MILLIS, x);
        }
    }

    @Override
    protected void accept(int acceptorID)
    {
        throw new UnsupportedOperationException("QUIC has no acceptors");
    }

    @Override
    protected void doStart() throws Exception
    {
        drain.stop();
        super.doStart();
        advertisement = new ResponseHttpFields.PersistentPreEncodedHttpField(HttpHeader.ALT_SVC,
            AltSvc.of(options.alternative(getLocalPort())).headerValue());
        LOG.info("HTTP/3 listening on UDP {}:{} ({}, {} event loop(s)), advertising Alt-Svc: {}",
            getHost() == null ? "0.0.0.0" : getHost(), getLocalPort(), getUdpIo(),
            "epoll".equals(getUdpIo()) ? options.eventLoops() : 1, advertisement.getValue());
    }

    @Override
    public CompletableFuture<Void> shutdown()
    {
        // Graceful stop: tell HTTPS clients to forget HTTP/3 while in-flight requests finish.
        drain.start();
        CompletableFuture<Void> shutdown = sessions.shutdown();
        closeSessionsWithoutRequests(shutdown);
        // Stopped on a pool thread, never on the event loop that completed the last session; inline only when the
        // pool is gone already (a second stop, after a first one timed out).
        Executor executor = task ->
        {
            try
            {
                getExecutor().execute(task);
            }
            catch (RejectedExecutionException x)
            {
                task.run();
            }
        };
        return shutdown.handleAsync((ignored, failure) ->
        {
            LifeCycle.stop(this);
            return null;
        }, executor);
    }

    /**
     * Jetty's graceful HTTP/3 shutdown sends GOAWAY, then waits for the client's own GOAWAY or close before it
     * completes, even once no request is left: a client that vanished, or one that simply keeps its idle connection,
     * holds {@code Server.stop()} until the stop timeout fails it. RFC 9114 section 5.2 lets the server close the
     * connection once the requests it accepted are done, so this closes each session that has no request stream and
     * whose peer went quiet (see {@link QuicDrain}), looking again every {@value #DRAIN_POLL_MILLIS} ms until the
     * shutdown completes.
     */
    private void closeSessionsWithoutRequests(CompletableFuture<Void> shutdown)
    {
        if (shutdown.isDone())
            return;
        long now = System.nanoTime();
        for (Session session : statistics.openSessions())
        {
            HTTP3Session http3 = session instanceof ContainerLifeCycle container ? http3Session(container) : null;
            if (http3 != null && !http3.isClosed() && http3.getStreams().isEmpty() && drain.isQuiet(session.getRemoteSocketAddress(), now))
                http3.close(HTTP3ErrorCode.NO_ERROR.code(), "shutdown", Promise.Invocable.noop());
        }
        try
        {
            getScheduler().schedule(() -> closeSessionsWithoutRequests(shutdown), DRAIN_POLL_MILLIS, TimeUnit.MILLISECONDS);
        }
        catch (RejectedExecutionException x)
        {
            LOG.debug("scheduler stopped, no more idle-session closes", x);
        }
    }

    /**
     * Jetty 12.1.5 completes an HTTP/3 session's graceful-shutdown future only when it closes the session itself; when
     * the client closed it (QUIC {@code CONNECTION_CLOSE}, as a browser does when it quits) and the session was still
     * draining as the stop began, the future never completes, and {@code Server.stop()}, which waits for the session
     * container, waits out the whole stop timeout. Once such a session has disconnected no request can be left on it,
     * so its shutdown is complete.
     */
    private final class ShutdownOnDisconnect implements Session.Listener, java.util.EventListener
    {
        @Override
        public void onDisconnect(Session session)
        {
            if (!sessions.isShutdown())
                return;
            HTTP3Session http3 = session instanceof ContainerLifeCycle quicSession ? http3Session(quicSession) : null;
            if (http3 != null)
                http3.shutdown().complete(null);
        }
    }

    private static HTTP3Session http3Session(ContainerLifeCycle quicSession)
    {
        ServerHTTP3Session protocolSession = quicSession.getBean(ServerHTTP3Session.class);
        return protocolSession == null ? null : protocolSession.getSessionServer();
    }

    /**
     * Closes the HTTPS connector's listening socket and gives it a new one on another free port. Jetty's
     * {@code ServerConnector.open()} after {@code close()} keeps the closed channel (and a local port of -2), so the
     * new channel is made here, bound as Jetty binds its own, and handed over with {@code open(ServerSocketChannel)}.
     */
    private static void reopenOnAnotherPort(ServerConnector https) throws IOException
    {
        https.close();
        ServerSocketChannel channel = ServerSocketChannel.open();
        try
        {
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, https.getReuseAddress());
            String host = https.getHost();
            channel.bind(host == null ? new InetSocketAddress(0) : new InetSocketAddress(host, 0), https.getAcceptQueueSize());
            https.open(channel);
        }
        catch (IOException | RuntimeException x)
        {
            channel.close();
            throw x;
        }
    }

    /** New connections: refused at the connection limit and while draining (they would only be told to go away). */
    private final class Gate implements NettyQuicServer.Gate
    {
        @Override
        public boolean acceptNewConnection()
        {
            boolean accept = !drain.isDraining() && statistics.getOpenQuicConnections() < options.maxConnections();
            if (!accept)
                statistics.onDatagramDropped();
            return accept;
        }

        @Override
        public void heardFrom(SocketAddress peer)
        {
            statistics.onDatagramReceived();
            drain.heardFrom(peer);
        }
    }

    @Override
    protected void doStop() throws Exception
    {
        advertisement = null;
        super.doStop();
    }
}
