package io.github.h3connector.jetty;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * Jetty 12.1.5 bug #14564: large blocking HTTP/2-over-TLS responses can wedge the TLS connector, after which every new
 * TLS handshake hangs. The connectors h3connector builds or attaches to use {@link BlockingUpgradeALPNServerConnectionFactory}.
 */
@Timeout(180)
class Jetty14564WorkaroundTest
{
    private static final int ROUNDS = 30;
    private static final int MIB = 8;

    @Test
    void bothEntryPointsUseTheBlockingAlpnFactory()
    {
        Server server = new Server();
        H3Connector built = H3Connector.addTo(server, TestKeyStores.serverTls(), H3Options.builder().port(0).build());
        assertInstanceOf(BlockingUpgradeALPNServerConnectionFactory.class, built.tlsConnector().getConnectionFactory("alpn"));

        HttpConfiguration https = new HttpConfiguration();
        ALPNServerConnectionFactory stock = new ALPNServerConnectionFactory("h2", "http/1.1");
        stock.setDefaultProtocol("http/1.1");
        ServerConnector existing = new ServerConnector(server, new SslConnectionFactory(TestKeyStores.serverTls(), "alpn"),
            stock, new HTTP2ServerConnectionFactory(https), new HttpConnectionFactory(https));
        H3Connector.attachTo(existing, H3Options.builder().udpPort(0).build());
        ALPNServerConnectionFactory replaced = (ALPNServerConnectionFactory)existing.getConnectionFactory("alpn");
        assertInstanceOf(BlockingUpgradeALPNServerConnectionFactory.class, replaced);
        assertEquals(List.of("h2", "http/1.1"), replaced.getNegotiatedProtocols());
        assertEquals("http/1.1", replaced.getDefaultProtocol());
    }

    @Test
    void parallelLargeHttp2DownloadsLeaveTlsHandshakesWorking() throws Exception
    {
        ExternalTools.requireCommand("curl", "curl");
        try (TestServer server = new TestServer(H3Options.builder()))
        {
            ServletContextHandler context = (ServletContextHandler)server.server.getHandler();
            context.addServlet(new ServletHolder(new HttpServlet()
            {
                @Override
                protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
                {
                    byte[] block = new byte[1024 * 1024];
                    response.setContentLength(MIB * block.length);
                    for (int i = 0; i < MIB; i++)
                        response.getOutputStream().write(block); // blocking writes, as in the bug report
                }
            }), "/large");
            server.server.start();
            String large = server.url("/large");
            for (int round = 0; round < ROUNDS; round++)
            {
                List<Process> downloads = new ArrayList<>();
                for (int i = 0; i < 3; i++)
                    downloads.add(curl("--http2", "-o", "/dev/null", "-w", "%{http_version} %{http_code} %{size_download}", large));
                for (Process download : downloads)
                    assertEquals("2 200 " + (MIB << 20), finish(download), "round " + round);
                // A fresh TLS handshake after each round: this is what hangs once the connector is wedged.
                assertEquals("1.1 200", finish(curl("--http1.1", "-o", "/dev/null", "-w", "%{http_version} %{http_code}", server.url("/protocol"))),
                    "new TLS handshake after round " + round);
            }
        }
    }

    private static Process curl(String... args) throws IOException
    {
        List<String> command = new ArrayList<>(List.of("curl", "-sk", "--max-time", "30"));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    /** Its output; fails if curl has not finished within 40 s (it gives up after 30 s by itself). */
    private static String finish(Process process) throws Exception
    {
        ReliabilitySupport.ProcessResult result = ReliabilitySupport.finish(process, 40);
        assertTrue(result.finished(), "curl did not finish within 40 s: " + result.output());
        return result.output().strip();
    }
}
