package io.github.h3connector.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import io.github.h3connector.jetty.H3Connector;
import io.github.h3connector.jetty.H3Options;
import io.github.h3connector.jetty.H3StartupException;
import io.github.h3connector.tls.SelfSignedCertificate;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The h3connector demo: HTTPS (HTTP/1.1 and HTTP/2) on TCP and HTTP/3 on UDP, same port, default 8443.
 *
 * <pre>
 * java -jar embedded-demo.jar [--port N] [--keystore FILE --keystore-password P] [--altsvc-frame[=MODE]]
 * </pre>
 * {@code --altsvc-frame} also announces HTTP/3 with the HTTP/2 {@code ALTSVC} frame (as IIS's {@code EnableAltSvc});
 * MODE is {@code connection} (the default) or {@code connection_and_streams}.
 *
 * <ul>
 *   <li>{@code /}: a page that shows, live, the protocol of the page load and of a fetch every second;</li>
 *   <li>{@code /protocol}: {@code {"protocol":"HTTP/3","http3":true,"servletProtocol":"HTTP/3.0","altSvc":null}};</li>
 *   <li>{@code /bytes?n=N}: exactly N bytes of a fixed pattern ({@link BytesServlet}), N up to 1 GiB.</li>
 * </ul>
 *
 * Without {@code --keystore}, the first start writes a self-signed certificate for {@code localhost} and
 * {@code 127.0.0.1} to {@code ./h3connector-demo.p12} (in the working directory, password
 * {@value DemoOptions#DEFAULT_KEYSTORE_PASSWORD}), later starts reuse it. Delete the file to get a new one.
 * Exit codes: 0 after a normal stop (also on SIGTERM or Ctrl-C, which stop gracefully), 1 when the server cannot
 * start, 2 for a wrong command line.
 */
public final class DemoServer
{
    /** How long a graceful stop waits for requests in flight. */
    public static final long STOP_TIMEOUT_MS = 10_000;

    private final Server server;
    private final H3Connector h3;

    private DemoServer(Server server, H3Connector h3)
    {
        this.server = server;
        this.h3 = h3;
    }

    /**
     * Builds the demo server from the options without starting it.
     *
     * @param options the options; {@link DemoOptions#keyStore()} must not be null
     * @return the server, not started
     */
    public static DemoServer create(DemoOptions options)
    {
        if (options.keyStore() == null)
            throw new IllegalArgumentException("no keystore: use DemoServer.selfSigned() or pass --keystore");
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("demo");
        Server server = new Server(threads);
        server.setStopTimeout(STOP_TIMEOUT_MS);
        server.setStopAtShutdown(true);

        org.eclipse.jetty.util.ssl.SslContextFactory.Server tls = new org.eclipse.jetty.util.ssl.SslContextFactory.Server();
        tls.setKeyStorePath(options.keyStore().toAbsolutePath().toString());
        tls.setKeyStorePassword(options.keyStorePassword());
        H3Connector h3 = H3Connector.addTo(server, tls, options.applyTo(H3Options.builder().host(options.host()).port(options.port())
            .altSvcFrame(options.altSvcFrame())).build());

        ServletContextHandler context = new ServletContextHandler("/");
        context.addServlet(new ServletHolder("index", new IndexServlet()), "");
        context.addServlet(new ServletHolder("protocol", new ProtocolServlet()), "/protocol");
        context.addServlet(new ServletHolder("bytes", new BytesServlet()), "/bytes");
        // Lets a graceful stop wait for requests in flight (up to the stop timeout).
        server.setHandler(new GracefulHandler(context));
        return new DemoServer(server, h3);
    }

    /**
     * Creates the demo's self-signed certificate for {@code localhost} and {@code 127.0.0.1} unless {@code keyStore}
     * exists already.
     */
    public static SelfSignedCertificate selfSigned(Path keyStore, String password) throws IOException
    {
        return SelfSignedCertificate.createIfAbsent(keyStore, password, "localhost", "127.0.0.1");
    }

    public Server server()
    {
        return server;
    }

    public H3Connector h3()
    {
        return h3;
    }

    /** @return the TCP port, after start (the UDP port is the same) */
    public int port()
    {
        return h3.tlsConnector().getLocalPort();
    }

    public void start() throws Exception
    {
        server.start();
    }

    public void stop() throws Exception
    {
        server.stop();
    }

    public static void main(String[] args)
    {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs the demo until it is stopped.
     *
     * @return the exit code: 0 after a normal stop, 1 when the server cannot start, 2 for a wrong command line
     */
    static int run(String[] args, PrintStream out, PrintStream err)
    {
        DemoOptions options;
        try
        {
            options = DemoOptions.parse(args);
        }
        catch (DemoOptions.UsageException x)
        {
            err.println("embedded-demo: " + x.getMessage());
            err.println(DemoOptions.USAGE);
            return 2;
        }
        if (options.help())
        {
            out.println(DemoOptions.USAGE);
            out.println("  --port N                TCP (HTTPS) and UDP (HTTP/3) port, default " + DemoOptions.DEFAULT_PORT);
            out.println("  --keystore FILE         PKCS12 or JKS keystore with the server certificate");
            out.println("  --keystore-password P   its password");
            out.println("  --altsvc-frame[=MODE]   also announce HTTP/3 with the HTTP/2 ALTSVC frame (as IIS's EnableAltSvc):");
            out.println("                          connection (the default MODE) or connection_and_streams; off without the flag");
            out.println("  --early-data            accept 0-RTT requests (GET, HEAD, OPTIONS, TRACE, PUT, DELETE; others get 425)");
            out.println("  --retry=POLICY          QUIC Retry: always, under_load (the default) or never");
            out.println("  --idle-timeout=SECONDS  close idle QUIC connections after this long (default 30)");
            out.println("Without --keystore a self-signed certificate for localhost is made in ./" + DemoOptions.DEFAULT_KEYSTORE +
                " (password " + DemoOptions.DEFAULT_KEYSTORE_PASSWORD + ").");
            return 0;
        }

        SelfSignedCertificate certificate;
        try
        {
            if (options.keyStore() == null)
            {
                Path keyStore = DemoOptions.DEFAULT_KEYSTORE.toAbsolutePath();
                boolean existed = Files.exists(keyStore);
                certificate = selfSigned(keyStore, DemoOptions.DEFAULT_KEYSTORE_PASSWORD);
                out.println((existed ? "Using the self-signed certificate " : "Created a self-signed certificate for localhost and 127.0.0.1: ") +
                    keyStore + " (password " + DemoOptions.DEFAULT_KEYSTORE_PASSWORD + ")");
                options = options.withKeyStore(keyStore, DemoOptions.DEFAULT_KEYSTORE_PASSWORD);
            }
            else
            {
                // Reads the existing file only (it exists: parse() checked).
                certificate = SelfSignedCertificate.createIfAbsent(options.keyStore(), options.keyStorePassword(), "localhost");
            }
        }
        catch (IOException x)
        {
            err.println("embedded-demo: cannot create the self-signed certificate: " + oneLine(x.getMessage()));
            return 1;
        }

        DemoServer demo;
        try
        {
            demo = create(options);
            demo.start();
        }
        catch (H3StartupException x)
        {
            err.println("embedded-demo: " + oneLine(x.getMessage()));
            return 1;
        }
        catch (Exception x)
        {
            err.println("embedded-demo: cannot start: " + oneLine(String.valueOf(x.getMessage() == null ? x : x.getMessage())));
            return 1;
        }

        printBanner(out, demo, certificate);
        stopOnSignals(demo, out);
        try
        {
            demo.server.join();
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
        }
        out.println("Stopped.");
        return 0;
    }

    /**
     * SIGTERM and Ctrl-C (SIGINT) stop the server gracefully, and the JVM then exits with 0. Where signals cannot be
     * handled, Jetty's shutdown hook ({@code setStopAtShutdown}) still stops the server gracefully.
     */
    private static void stopOnSignals(DemoServer demo, PrintStream out)
    {
        for (String name : new String[]{"TERM", "INT"})
        {
            try
            {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal ->
                {
                    Thread stopper = new Thread(() ->
                    {
                        out.println("SIG" + signal.getName() + ": stopping gracefully...");
                        out.flush();
                        try
                        {
                            demo.stop();
                        }
                        catch (java.util.concurrent.TimeoutException x)
                        {
                            // Server.stop() waited the stop timeout for connections to finish, then closed them.
                            out.println("Graceful stop timed out after " + STOP_TIMEOUT_MS / 1000 + " s; the connections still open were closed.");
                        }
                        catch (Exception x)
                        {
                            out.println("embedded-demo: error while stopping: " + oneLine(String.valueOf(x)));
                        }
                    }, "demo-stop");
                    stopper.start();
                });
            }
            catch (Throwable x)
            {
                // For example with -Xrs: the shutdown hook does the job.
            }
        }
    }

    private static void printBanner(PrintStream out, DemoServer demo, SelfSignedCertificate certificate)
    {
        int port = demo.port();
        String origin = "https://localhost:" + port;
        out.println();
        out.println("h3connector demo: " + origin + "/  (TCP " + port + ": HTTP/1.1 + HTTP/2, UDP " +
            demo.h3.quicConnector().getLocalPort() + ": HTTP/3)");
        out.println("  Alt-Svc: " + demo.h3.quicConnector().getAltSvc());
        out.println("  " + origin + "/protocol   " + origin + "/bytes?n=1048576");
        String spki = null;
        try
        {
            spki = certificate.spkiSha256Base64();
        }
        catch (IOException x)
        {
            out.println("  (cannot read the certificate's public key for Chromium: " + oneLine(x.getMessage()) + ")");
        }
        if (spki != null)
        {
            out.println("  Certificate SPKI SHA-256 (base64): " + spki);
            out.println();
            out.println("See HTTP/2 turn into HTTP/3 in Chromium (a throwaway profile; QUIC is forced only on the unused");
            out.println("origin localhost:" + dummyPort(port) + ", which lets Chromium accept this certificate for QUIC;");
            out.println("the switch on port " + port + " comes from Alt-Svc):");
            out.println();
            out.println("  " + chromiumCommand(port, spki));
            out.println();
            out.println("or fetch /protocol over HTTP/3 with ngtcp2's client:");
            out.println("  gtlsclient --quiet --exit-on-all-streams-close localhost " + port + " " + origin + "/protocol");
        }
        out.println();
        out.println("Ctrl-C or SIGTERM stops the server gracefully (up to " + STOP_TIMEOUT_MS / 1000 + " s for requests in flight).");
        out.flush();
    }

    /**
     * The Chromium command line of the recipe: trust the certificate by its SPKI hash, and force QUIC on an unused port
     * of the same host (never the server's own port, so that HTTP/3 is found through Alt-Svc).
     */
    static String chromiumCommand(int port, String spki)
    {
        return "chromium --user-data-dir=\"$(mktemp -d)\" --no-first-run --no-default-browser-check" +
            " --ignore-certificate-errors-spki-list=" + spki +
            " --origin-to-force-quic-on=localhost:" + dummyPort(port) +
            " https://localhost:" + port + "/";
    }

    private static int dummyPort(int port)
    {
        return port == 1 ? 2 : 1;
    }

    private static String oneLine(String message)
    {
        return message == null ? "" : message.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }
}
