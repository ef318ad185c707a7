package io.github.h3connector.jetty;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Set;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.jmx.MBeanContainer;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.EchoHandler;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The drop-in case: HTTP/3 attached to an HTTPS connector that an application already has, plus JMX and options checks. */
@Timeout(60)
class H3ConnectorAttachTest
{
    @Test
    void attachReusesTheExistingTlsAndHttpConfiguration() throws Exception
    {
        Server server = new Server();
        HttpConfiguration https = new HttpConfiguration();
        https.addCustomizer(new SecureRequestCustomizer());
        HttpConnectionFactory http1 = new HttpConnectionFactory(https);
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory();
        alpn.setDefaultProtocol(http1.getProtocol());
        ServerConnector existing = new ServerConnector(server, new SslConnectionFactory(TestKeyStores.serverTls(), alpn.getProtocol()),
            alpn, new HTTP2ServerConnectionFactory(https), http1);
        existing.setHost("127.0.0.1");
        server.addConnector(existing);
        // A core handler (no servlets) that reports the attribute.
        server.setHandler(new org.eclipse.jetty.server.Handler.Abstract()
        {
            @Override
            public boolean handle(Request request, Response response, Callback callback)
            {
                response.write(true, java.nio.ByteBuffer.wrap(String.valueOf(request.getAttribute(io.github.h3connector.H3Attributes.PROTOCOL)).getBytes()), callback);
                return true;
            }
        });
        MBeanContainer mbeans = new MBeanContainer(ManagementFactory.getPlatformMBeanServer());
        server.addBean(mbeans);

        H3Connector h3 = H3Connector.attachTo(existing, H3Options.builder().build());
        server.start();
        try (TestClients clients = new TestClients())
        {
            String base = "https://localhost:" + existing.getLocalPort() + "/";
            assertEquals(existing.getLocalPort(), h3.quicConnector().getLocalPort());
            assertEquals(h3.tlsConnector(), existing);
            assertEquals(existing.getConnectionFactory(SslConnectionFactory.class).getSslContextFactory(), h3.quicConnector().getSslContextFactory());
            ContentResponse h2 = clients.http2.GET(base);
            assertEquals("HTTP/2", h2.getContentAsString());
            assertEquals(List.of("h3=\":" + existing.getLocalPort() + "\"; ma=86400"), h2.getHeaders().getValuesList(HttpHeader.ALT_SVC));
            ContentResponse h3Response = clients.http3.GET(base);
            assertEquals(HttpVersion.HTTP_3, h3Response.getVersion());
            assertEquals("HTTP/3", h3Response.getContentAsString());

            // The counters over JMX.
            MBeanServer platform = ManagementFactory.getPlatformMBeanServer();
            Set<ObjectName> names = platform.queryNames(new ObjectName("io.github.h3connector.jetty:type=h3statistics,*"), null);
            assertEquals(1, names.size(), names.toString());
            ObjectName statistics = names.iterator().next();
            assertEquals(1L, platform.getAttribute(statistics, "http3Requests"));
            assertEquals(1L, platform.getAttribute(statistics, "http2Requests"));
            assertEquals(1L, platform.getAttribute(statistics, "altSvcSent"));
            assertEquals(1L, platform.getAttribute(statistics, "openQuicConnections"));
        }
        finally
        {
            server.stop();
            // Stopping keeps the MBeans registered in the JVM-wide platform server; later tests (QlogTest) count them.
            server.removeBean(mbeans);
            mbeans.destroy();
        }
    }

    @Test
    void invalidOptionsAreRefusedByTheirSetters()
    {
        assertEquals("H3Options port must be between 0 and 65535, got 65536",
            assertThrows(IllegalArgumentException.class, () -> H3Options.builder().port(65536)).getMessage());
        assertEquals("H3Options advertisedPort must be between 1 and 65535, got 0",
            assertThrows(IllegalArgumentException.class, () -> H3Options.builder().advertisedPort(0)).getMessage());
        assertEquals("H3Options maxAge must be zero or positive, got PT-1S",
            assertThrows(IllegalArgumentException.class, () -> H3Options.builder().maxAge(java.time.Duration.ofSeconds(-1))).getMessage());
        assertEquals("H3Options streamMaxData must be at least 16384, got 1",
            assertThrows(IllegalArgumentException.class, () -> H3Options.builder().streamMaxData(1)).getMessage());
        // Header injection through the advertised host is refused by the Alt-Svc engine.
        IllegalArgumentException injection = assertThrows(IllegalArgumentException.class,
            () -> H3Options.builder().advertisedHost("evil.example\r\nSet-Cookie: a=b").build());
        assertEquals("Alt-Svc host must not contain control characters, got \"evil.example\\r\\nSet-Cookie: a=b\"", injection.getMessage());
    }
}
