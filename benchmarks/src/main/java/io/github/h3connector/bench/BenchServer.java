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

import io.github.h3connector.jetty.H3Connector;
import io.github.h3connector.jetty.H3Options;
import io.github.h3connector.jetty.QuicheBindingChoice;
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
import org.eclipse.jetty.quic.common.QuicConfiguration;
import org.eclipse.jetty.quic.quiche.server.QuicheServerConnector;
import org.eclipse.jetty.quic.quiche.server.QuicheServerQuicConfiguration;
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
 * {@code /proc/<pid>}. Prints {@code READY <tcpPort> <udpPort> <binding>} once started, then serves until stdin closes.
 *
 * <pre>
 * java ... BenchServer --mode h3connector|stock [--binding JNA|FOREIGN] [--session-max-data B] [--stream-max-data B]
 *                      [--input-buffer B] [--output-buffer B] --keystore FILE
 * </pre>
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

        String binding;
        ServerConnector tcp;
        QuicConfiguration quic;
        QuicheServerConnector udp;
        if (mode.equals("stock"))
        {
            // Stock Jetty 12.1.5, configured by hand as in Jetty's documentation: default QUIC windows and buffers.
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
            QuicheServerQuicConfiguration configuration = HTTP3ServerQuicConfiguration.configure(
                new QuicheServerQuicConfiguration(Files.createTempDirectory("bench-pem")));
            udp = new QuicheServerConnector(server, tls, configuration, new HTTP3ServerConnectionFactory(http));
            udp.setHost("127.0.0.1");
            udp.setPort(0);
            server.addConnector(udp);
            quic = configuration;
            binding = "stock";
        }
        else
        {
            H3Options.Builder builder = H3Options.builder().host("127.0.0.1").port(0)
                .binding(QuicheBindingChoice.valueOf(options.getOrDefault("binding", "AUTO")));
            if (options.containsKey("session-max-data"))
                builder.sessionMaxData(Long.parseLong(options.get("session-max-data")));
            if (options.containsKey("stream-max-data"))
                builder.streamMaxData(Long.parseLong(options.get("stream-max-data")));
            H3Connector h3 = H3Connector.addTo(server, tls, builder.build());
            tcp = h3.tlsConnector();
            udp = h3.quicConnector();
            quic = h3.quicConnector().getServerQuicConfiguration();
            binding = null;
        }
        // Benchmark parameters, not code changes: reachable through the connector's QUIC configuration.
        if (options.containsKey("input-buffer"))
            quic.setInputBufferSize(Integer.parseInt(options.get("input-buffer")));
        if (options.containsKey("output-buffer"))
            quic.setOutputBufferSize(Integer.parseInt(options.get("output-buffer")));

        ServletContextHandler context = new ServletContextHandler("/");
        context.addServlet(new ServletHolder("bytes", new BytesServlet()), "/bytes");
        context.addServlet(new ServletHolder("upload", new UploadServlet()), "/upload");
        server.setHandler(context);
        server.start();
        if (binding == null)
            binding = ((io.github.h3connector.jetty.H3QuicConnector)udp).getBinding();
        System.out.println("READY " + tcp.getLocalPort() + " " + udp.getLocalPort() + " " + binding + " " +
            quic.getInputBufferSize() + " " + quic.getOutputBufferSize() + " " + quic.getSessionMaxData() + " " +
            quic.getRemoteBidirectionalStreamMaxData());
        System.out.flush();
        // Serve until the runner closes our stdin (or dies).
        while (System.in.read() >= 0)
        {
            // nothing
        }
        server.stop();
        System.exit(0);
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
