package io.github.h3connector.jetty;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.github.h3connector.altsvc.AltSvc;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http3.HTTP3ErrorCode;
import org.eclipse.jetty.http3.HTTP3Session;
import org.eclipse.jetty.http3.server.internal.ServerHTTP3Session;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.http3.server.HTTP3ServerQuicConfiguration;
import org.eclipse.jetty.quic.api.Session;
import org.eclipse.jetty.quic.common.SessionContainer;
import org.eclipse.jetty.quic.quiche.server.QuicheServerConnector;
import org.eclipse.jetty.quic.quiche.server.QuicheServerQuicConfiguration;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.internal.ResponseHttpFields;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A QUIC connector for HTTP/3 that checks its requirements before binding, binds the same port number as its HTTPS
 * peer by default, and knows what {@code Alt-Svc} to advertise: its own {@code h3} alternative while it runs,
 * {@code clear} while the server shuts down gracefully, nothing otherwise.
 *
 * <p>Start fails with an {@link H3StartupException} subclass, before any UDP port is bound, when: TLS is not configured
 * or its keystore is missing, unreadable, has the wrong password or no key usable for TLS 1.3
 * ({@link TlsConfigurationException}); the native quiche library or the chosen binding cannot be loaded
 * ({@link QuicNativeLibraryException}); the PEM directory is not writable or not private ({@link PemDirectoryException});
 * the UDP port is taken ({@link UdpPortInUseException}).
 *
 * <p>Its UDP endpoint drops datagrams that would stop Jetty 12.1.5's QUIC listener for good (see
 * {@link QuicDatagramGuard}), and survives failed sends.
 */
@ManagedObject("HTTP/3 (QUIC) connector")
public class H3QuicConnector extends QuicheServerConnector
{
    private static final long DRAIN_POLL_MILLIS = 50;
    private static final int RECEIVE_BUFFER_BYTES = 4 << 20;
    private static final Logger LOG = LoggerFactory.getLogger(H3QuicConnector.class);
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    /** Persistent fields survive {@code Response.reset()}; an application's own value still replaces them. */
    static final HttpField CLEAR = new ResponseHttpFields.PersistentPreEncodedHttpField(HttpHeader.ALT_SVC, AltSvc.CLEAR.headerValue());

    private final H3Options options;
    private final NetworkConnector httpsPeer;
    private final H3Statistics statistics;
    private final QuicDrain drain = new QuicDrain();
    private volatile HttpField advertisement;
    private volatile String binding = "not loaded";
    private Path temporaryPemDirectory;
    private StalledWriteWatchdog watchdog;

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
        super(server, sslContextFactory, quicConfiguration(options), new StreamIsolatingHTTP3ServerConnectionFactory(httpConfiguration));
        this.options = options;
        this.httpsPeer = httpsPeer;
        this.statistics = statistics;
        setHost(options.host().orElse(null));
        setPort(options.udpPort().orElse(options.port()));
        setIdleTimeout(options.idleTimeout().toMillis());
        getServerQuicConfiguration().addEventListener(statistics);
        getServerQuicConfiguration().addEventListener(new ShutdownOnDisconnect());
        addBean(statistics);
    }

    private static QuicheServerQuicConfiguration quicConfiguration(H3Options options)
    {
        QuicheServerQuicConfiguration quic = HTTP3ServerQuicConfiguration.configure(new QuicheServerQuicConfiguration());
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

    @ManagedAttribute(value = "The quiche binding in use (FOREIGN or JNA)", readonly = true)
    public String getBinding()
    {
        return binding;
    }

    @ManagedAttribute(value = "The Alt-Svc value advertised now, or null", readonly = true)
    public String getAltSvc()
    {
        HttpField field = altSvcField();
        return field == null ? null : field.getValue();
    }

    /** @return the Alt-Svc field to send now: the advertisement while running, clear while draining, else null */
    HttpField altSvcField()
    {
        if (drain.isDraining())
            return CLEAR;
        return isRunning() ? advertisement : null;
    }

    @Override
    public void open() throws IOException
    {
        if (isOpen())
            return;
        TlsRequirements.check(getSslContextFactory());
        binding = QuicheNative.load(options.binding());
        getServerQuicConfiguration().setPemWorkDirectory(pemDirectory());
        if (options.udpPort().isEmpty() && httpsPeer != null)
        {
            // Same port number as HTTPS: with port 0 it is only known once the TCP side is bound.
            httpsPeer.open();
            setPort(httpsPeer.getLocalPort());
        }
        try
        {
            super.open();
        }
        catch (IOException x)
        {
            deleteTemporaryPemDirectory();
            if (x.getCause() instanceof BindException)
            {
                String host = getHost() == null ? "0.0.0.0" : getHost();
                throw new UdpPortInUseException("UDP port " + getPort() + " on " + host + " is already in use, so QUIC (HTTP/3) cannot listen: " +
                    "stop the process that holds it (ss -ulpn 'sport = :" + getPort() + "') or configure another UDP port", x);
            }
            throw x;
        }
    }

    /**
     * The kernel's queue covers the moments the reader thread of {@link GuardedDatagramChannelEndPoint} is not
     * scheduled: with Linux's 208 KiB default a burst of 2,000 handshakes still lost 80 datagrams there, none with this.
     * Asks for {@value #RECEIVE_BUFFER_BYTES} bytes, as quic-go does; the kernel caps it at {@code net.core.rmem_max}.
     * The send buffer stays as it is.
     */
    @Override
    protected DatagramChannel openDatagramChannel() throws IOException
    {
        DatagramChannel channel = super.openDatagramChannel();
        channel.setOption(StandardSocketOptions.SO_RCVBUF, RECEIVE_BUFFER_BYTES);
        return channel;
    }

    private Path pemDirectory()
    {
        if (options.pemDirectory().isEmpty())
        {
            try
            {
                temporaryPemDirectory = POSIX
                    ? Files.createTempDirectory("h3connector-pem-", PosixFilePermissions.asFileAttribute(OWNER_ONLY))
                    : Files.createTempDirectory("h3connector-pem-");
                return temporaryPemDirectory;
            }
            catch (IOException x)
            {
                throw new PemDirectoryException("cannot create a private temporary PEM directory in " + System.getProperty("java.io.tmpdir") +
                    " (" + x + "): make java.io.tmpdir writable or configure a PEM directory", x);
            }
        }
        Path directory = options.pemDirectory().get().toAbsolutePath();
        try
        {
            if (!Files.exists(directory))
            {
                if (POSIX)
                    Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
                else
                    Files.createDirectories(directory);
            }
        }
        catch (IOException x)
        {
            throw new PemDirectoryException("PEM directory " + directory + " cannot be created (" + x + "): create it, owned and writable by the server's user, with mode 700", x);
        }
        if (!Files.isDirectory(directory))
            throw new PemDirectoryException("PEM directory " + directory + " is not a directory: configure a directory, writable by the server's user, with mode 700");
        try
        {
            Files.delete(Files.createTempFile(directory, ".h3connector-write-check", ".tmp"));
        }
        catch (IOException | UncheckedIOException x)
        {
            throw new PemDirectoryException("PEM directory " + directory + " is not writable (" + x + "): make it writable by the server's user (chown), or configure another PEM directory", x);
        }
        try
        {
            if (POSIX)
            {
                Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(directory);
                Set<PosixFilePermission> shared = EnumSet.noneOf(PosixFilePermission.class);
                shared.addAll(permissions);
                shared.removeAll(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE));
                if (!shared.isEmpty())
                    throw new PemDirectoryException("PEM directory " + directory + " is not private (" + PosixFilePermissions.toString(permissions) +
                        "): it will hold the TLS private key, so run chmod 700 " + directory);
            }
        }
        catch (IOException x)
        {
            throw new PemDirectoryException("PEM directory " + directory + ": cannot read its permissions (" + x + ")", x);
        }
        return directory;
    }

    @Override
    protected EndPoint newEndPoint(DatagramChannel channel, ManagedSelector selector, SelectionKey selectionKey)
    {
        return new GuardedDatagramChannelEndPoint(channel, selector, selectionKey, getScheduler(), getExecutor(), getInputBufferSize(), statistics, options, drain);
    }

    @Override
    protected void doStart() throws Exception
    {
        drain.stop();
        super.doStart();
        watchdog = new StalledWriteWatchdog(getScheduler(), statistics.openSessions());
        watchdog.start();
        advertisement = new ResponseHttpFields.PersistentPreEncodedHttpField(HttpHeader.ALT_SVC,
            AltSvc.of(options.alternative(getLocalPort())).headerValue());
        LOG.info("HTTP/3 listening on UDP {}:{} (quiche binding {}), advertising Alt-Svc: {}",
            getHost() == null ? "0.0.0.0" : getHost(), getLocalPort(), binding, advertisement.getValue());
    }

    @Override
    public CompletableFuture<Void> shutdown()
    {
        // Graceful stop: tell HTTPS clients to forget HTTP/3 while in-flight requests finish.
        drain.start();
        // Not super.shutdown(): Jetty 12.1.5 returns a future that waits for its UDP endpoint to close, then stops the
        // connector; when the endpoint closes after doStop() dropped that future's check, it never completes, and
        // Server.stop() waits out the stop timeout (seen about one stop in four).
        CompletableFuture<Void> sessions = getBean(SessionContainer.class).shutdown();
        closeSessionsWithoutRequests(sessions);
        // Stopped on a pool thread, never on the network thread that completed the last session; inline only when
        // the pool is gone already (a second stop, after a first one timed out).
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
        return sessions.handleAsync((ignored, failure) ->
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
     * draining as the stop began, the future never completes, and {@code Server.stop()}, which waits for Jetty's
     * session container directly, waits out the whole stop timeout. Once such a session has disconnected no request
     * can be left on it, so its shutdown is complete.
     */
    private final class ShutdownOnDisconnect implements Session.Listener, java.util.EventListener
    {
        @Override
        public void onDisconnect(Session session)
        {
            SessionContainer container = getBean(SessionContainer.class);
            if (container == null || !container.isShutdown())
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

    @Override
    protected void doStop() throws Exception
    {
        advertisement = null;
        if (watchdog != null)
            watchdog.stop();
        try
        {
            super.doStop();
        }
        finally
        {
            deleteTemporaryPemDirectory();
        }
    }

    @Override
    public void close()
    {
        super.close();
        if (!isRunning())
            deleteTemporaryPemDirectory();
    }

    private void deleteTemporaryPemDirectory()
    {
        Path directory = temporaryPemDirectory;
        temporaryPemDirectory = null;
        if (directory == null)
            return;
        try (Stream<Path> paths = Files.walk(directory))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        catch (IOException x)
        {
            LOG.warn("Could not delete the temporary PEM directory {}: {}", directory, x.toString());
        }
    }
}
