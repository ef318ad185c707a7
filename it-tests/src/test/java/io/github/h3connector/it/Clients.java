package io.github.h3connector.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.eclipse.jetty.http3.client.HTTP3Client;
import org.eclipse.jetty.http3.client.HTTP3ClientQuicConfiguration;
import org.eclipse.jetty.http3.client.transport.HttpClientTransportOverHTTP3;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.quic.quiche.client.QuicheClientQuicConfiguration;
import org.eclipse.jetty.quic.quiche.client.QuicheTransport;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/** Real clients, trusting the container's self-signed certificate. Callers stop them. */
final class Clients
{
    /** Where the clients connect: docker-proxy on the host's loopback. */
    static final String HOST = "127.0.0.1";

    private Clients()
    {
    }

    private static ClientConnector connector()
    {
        ClientConnector connector = new ClientConnector();
        connector.setSslContextFactory(new SslContextFactory.Client(true));
        return connector;
    }

    /**
     * A 4 MiB socket receive buffer for QUIC: with the default 208 KiB a server's burst can overflow a busy client's
     * socket, and Jetty 12.1.5's client then stalls the download (docs/RELIABILITY.md, "Downloads stalled").
     */
    private static ClientConnector quicConnector()
    {
        ClientConnector connector = connector();
        connector.setReceiveBufferSize(4 << 20);
        return connector;
    }

    static HttpClient http1() throws Exception
    {
        HttpClient client = new HttpClient(new HttpClientTransportOverHTTP(connector()));
        client.start();
        return client;
    }

    static HttpClient http2() throws Exception
    {
        HttpClient client = new HttpClient(new HttpClientTransportOverHTTP2(new HTTP2Client(connector())));
        client.start();
        return client;
    }

    static HttpClient http3() throws Exception
    {
        QuicheClientQuicConfiguration quic = HTTP3ClientQuicConfiguration.configure(
            new QuicheClientQuicConfiguration(Files.createTempDirectory("h3-it-client-pem")));
        HTTP3Client h3 = new HTTP3Client(quic, quicConnector());
        // Jetty 12.1.5's client fails on QPACK encoder instructions split before a string literal (NBitStringDecoder):
        // with no dynamic table the server sends none. gtlsclient and Chromium keep theirs.
        h3.getHTTP3Configuration().setMaxDecoderTableCapacity(0);
        HttpClient client = new HttpClient(new HttpClientTransportOverHTTP3(h3, new QuicheTransport(quic)));
        client.start();
        return client;
    }

    static String url(int port, String path)
    {
        return "https://" + HOST + ":" + port + path;
    }

    static boolean hasGtlsclient()
    {
        return Files.isExecutable(Path.of("/usr/bin/gtlsclient"));
    }

    /** @return the body that gtlsclient downloaded over HTTP/3 */
    static String gtlsclient(int port, String path) throws IOException, InterruptedException
    {
        Path dir = Files.createTempDirectory("h3-it-gtlsclient");
        Process process = new ProcessBuilder(List.of("/usr/bin/gtlsclient", "--quiet", "--exit-on-all-streams-close",
            "--download=" + dir, HOST, String.valueOf(port), "https://localhost:" + port + path))
            .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new IOException("gtlsclient did not finish in 30 s: " + output);
        }
        Path body = dir.resolve(path.substring(path.lastIndexOf('/') + 1));
        if (process.exitValue() != 0 || !Files.exists(body))
            throw new IOException("gtlsclient exit " + process.exitValue() + ", no " + body + ": " + output);
        return Files.readString(body);
    }
}
