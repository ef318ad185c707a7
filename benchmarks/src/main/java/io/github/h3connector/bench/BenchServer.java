package io.github.h3connector.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

import io.github.h3connector.jetty.CongestionControl;
import io.github.h3connector.jetty.H3Connector;
import io.github.h3connector.jetty.H3Options;
import io.github.h3connector.jetty.H3QuicConnector;
import io.github.h3connector.tls.SelfSignedCertificate;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.http3.server.HTTP3ServerConnectionFactory;
import org.eclipse.jetty.http3.server.HTTP3ServerQuicConfiguration;
import org.eclipse.jetty.quic.quiche.server.QuicheServerConnector;
import org.eclipse.jetty.quic.quiche.server.QuicheServerQuicConfiguration;
import org.eclipse.jetty.server.AbstractNetworkConnector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The server side of the benchmark, run in its own JVM so that its CPU time and peak RSS can be read from
 * {@code /proc/<pid>}. Prints {@code READY <tcpPort> <udpPort> <udpIo> <settings>} once started ({@code udpIo}: the
 * connector's {@link H3QuicConnector#getUdpIo()}, {@code epoll} or {@code nio}; {@code quiche} for stock Jetty), then
 * serves until stdin closes.
 *
 * <pre>
 * java ... BenchServer --mode h3connector|stock [--event-loops N] [--congestion-control BBR|CUBIC|RENO]
 *                      [--session-max-data B] [--stream-max-data B] --keystore FILE
 * </pre>
 * NIO instead of epoll: start the JVM with {@code -Dio.netty.transport.noNative=true}.
 * Endpoints: {@code GET /bytes?n=N} (N bytes of {@link Pattern}, written in 64 KiB blocks) and {@code POST /upload}
 * (answers the SHA-256 of the body, in hex).
 */
public final class BenchServer
{
    static final String PASSWORD = "benchpwd";

    private BenchServer()
    {
    }

    public static void main(String[] args) throws Exception
    {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2)
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        String mode = options.getOrDefault("mode", "h3connector");
        Path keyStore = Path.of(options.getOrDefault("keystore", "target/bench.p12"));
        SelfSignedCertificate.createIfAbsent(keyStore, PASSWORD, "localhost", "127.0.0.1");

        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("bench-server");
        Server server = new Server(threads);
        SslContextFactory.Server tls = new SslContextFactory.Server();
        tls.setKeyStorePath(keyStore.toAbsolutePath().toString());
        tls.setKeyStorePassword(PASSWORD);

        String udpIo;
        String settings;
        ServerConnector tcp;
        AbstractNetworkConnector udp;
        if (mode.equals("stock"))
        {
            // In a class of its own: the h3connector servers run without Jetty's quiche classes on the class path.
            StockJetty stock = new StockJetty(server, tls);
            tcp = stock.tcp;
            udp = stock.udp;
            udpIo = "quiche";
            settings = stock.settings;
        }
        else
        {
            H3Options.Builder builder = H3Options.builder().host("127.0.0.1").port(0);
            if (options.containsKey("event-loops"))
                builder.eventLoops(Integer.parseInt(options.get("event-loops")));
            if (options.containsKey("congestion-control"))
                builder.congestionControl(CongestionControl.valueOf(options.get("congestion-control")));
            if (options.containsKey("session-max-data"))
                builder.sessionMaxData(Long.parseLong(options.get("session-max-data")));
            if (options.containsKey("stream-max-data"))
                builder.streamMaxData(Long.parseLong(options.get("stream-max-data")));
            H3Options h3Options = builder.build();
            H3Connector h3 = H3Connector.addTo(server, tls, h3Options);
            tcp = h3.tlsConnector();
            H3QuicConnector quic = h3.quicConnector();
            udp = quic;
            udpIo = quic.getUdpIo();
            // The loops actually running: with NIO one socket and one loop serve the port whatever eventLoops says.
            int loops = udpIo.equals("epoll") ? h3Options.eventLoops() : 1;
            settings = "Netty QUIC, " + udpIo + ", " + loops + " event loop(s) (eventLoops " + h3Options.eventLoops() + "), " +
                h3Options.congestionControl() + ", sessionMaxData " + h3Options.sessionMaxData() + " B, streamMaxData " +
                h3Options.streamMaxData() + " B, maxStreams " + h3Options.maxStreams() + ", retry " + h3Options.retry();
        }

        ServletContextHandler context = new ServletContextHandler("/");
        context.addServlet(new ServletHolder("bytes", new BytesServlet()), "/bytes");
        context.addServlet(new ServletHolder("upload", new UploadServlet()), "/upload");
        server.setHandler(context);
        server.start();
        System.out.println("READY " + tcp.getLocalPort() + " " + udp.getLocalPort() + " " + udpIo + " " + settings);
        System.out.flush();
        // Serve until the runner closes our stdin (or dies).
        while (System.in.read() >= 0)
        {
            // nothing
        }
        server.stop();
        System.exit(0);
    }

    /** Stock Jetty 12.1.5, configured by hand as in Jetty's documentation: quiche through JNA, default QUIC windows and buffers. */
    static final class StockJetty
    {
        final ServerConnector tcp;
        final AbstractNetworkConnector udp;
        final String settings;

        StockJetty(Server server, SslContextFactory.Server tls) throws IOException
        {
            HttpConfiguration http = new HttpConfiguration();
            http.addCustomizer(new SecureRequestCustomizer());
            HttpConnectionFactory h1 = new HttpConnectionFactory(http);
            HTTP2ServerConnectionFactory h2 = new HTTP2ServerConnectionFactory(http);
            ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory();
            alpn.setDefaultProtocol(h1.getProtocol());
            tcp = new ServerConnector(server, new SslConnectionFactory(tls, alpn.getProtocol()), alpn, h2, h1);
            tcp.setHost("127.0.0.1");
            tcp.setPort(0);
            server.addConnector(tcp);
            QuicheServerQuicConfiguration quic = HTTP3ServerQuicConfiguration.configure(
                new QuicheServerQuicConfiguration(Files.createTempDirectory("bench-pem")));
            QuicheServerConnector quiche = new QuicheServerConnector(server, tls, quic, new HTTP3ServerConnectionFactory(http));
            quiche.setHost("127.0.0.1");
            quiche.setPort(0);
            server.addConnector(quiche);
            udp = quiche;
            settings = "Jetty's QuicheServerConnector, quiche (jetty-quiche-native 0.24.5) through JNA; input buffer " +
                quic.getInputBufferSize() + " B, output buffer " + quic.getOutputBufferSize() + " B, sessionMaxData " +
                quic.getSessionMaxData() + " B, streamMaxData " + quic.getRemoteBidirectionalStreamMaxData() + " B";
        }
    }

    /** {@code GET /bytes?n=N}: N bytes of the pattern, in 64 KiB writes, with a Content-Length. */
    static final class BytesServlet extends HttpServlet
    {
        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
        {
            long length = Long.parseLong(request.getParameter("n"));
            response.setContentType("application/octet-stream");
            response.setContentLengthLong(length);
            OutputStream out = response.getOutputStream();
            long remaining = length;
            while (remaining > 0)
            {
                int chunk = (int)Math.min(remaining, Pattern.BLOCK.length);
                out.write(Pattern.BLOCK, 0, chunk);
                remaining -= chunk;
            }
        }
    }

    /** {@code POST /upload}: reads the whole body and answers its SHA-256 in hex, and its length. */
    static final class UploadServlet extends HttpServlet
    {
        @Override
        protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException
        {
            MessageDigest digest = Pattern.sha256();
            byte[] buffer = new byte[64 * 1024];
            long total = 0;
            try (InputStream in = request.getInputStream())
            {
                int read;
                while ((read = in.read(buffer)) >= 0)
                {
                    digest.update(buffer, 0, read);
                    total += read;
                }
            }
            response.setContentType("text/plain");
            byte[] body = (HexFormat.of().formatHex(digest.digest()) + " " + total).getBytes(StandardCharsets.US_ASCII);
            response.setContentLength(body.length);
            response.getOutputStream().write(body);
        }
    }
}
