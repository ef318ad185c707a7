package io.github.h3connector.jetty;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import io.github.h3connector.jetty.module.H3ModuleSupport;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.eclipse.jetty.xml.XmlConfiguration;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The module's {@code etc/h3connector.xml} run by Jetty's {@link XmlConfiguration}, as {@code start.jar} runs it, on an
 * HTTPS connector with the {@code ssl} module's id: the properties reach {@link H3Options} under their own names.
 */
class ModuleXmlTest
{
    private static final Path XML = Path.of("src/main/config/etc/h3connector.xml");

    @Test
    void thePropertiesReachTheOptions() throws Exception
    {
        H3Options options = configure(Map.of(H3ModuleSupport.ADVERTISED_PORT, "4443", H3ModuleSupport.IDLE_TIMEOUT, "1234",
            H3ModuleSupport.EARLY_DATA, "true", H3ModuleSupport.RETRY, "never"));
        assertEquals(4443, options.advertisedPort().orElseThrow());
        assertEquals(Duration.ofMillis(1234), options.idleTimeout());
        assertTrue(options.earlyData());
        assertEquals(RetryPolicy.NEVER, options.retry());
        assertEquals("127.0.0.1", options.host().orElseThrow(), "jetty.quic.host empty: the HTTPS connector's host");
    }

    @Test
    void withoutPropertiesTheOptionsAreTheDefaults() throws Exception
    {
        H3Options options = configure(Map.of());
        assertEquals(H3Options.builder().host("127.0.0.1").build().toString(), options.toString());
    }

    @Test
    void aBadPropertyFailsTheConfigurationNamingIt()
    {
        Exception x = assertThrows(Exception.class, () -> configure(Map.of(H3ModuleSupport.UDP_PORT, "x")));
        Throwable cause = x;
        while (!(cause instanceof IllegalArgumentException) && cause.getCause() != null)
            cause = cause.getCause();
        assertInstanceOf(IllegalArgumentException.class, cause, x.toString());
        assertEquals("jetty.h3connector.udpPort must be a port number 0..65535, or -1 for the port number of jetty.ssl.port, got 'x'", cause.getMessage());
    }

    private static H3Options configure(Map<String, String> properties) throws Exception
    {
        Server server = new Server();
        HttpConfiguration configuration = new HttpConfiguration();
        configuration.addCustomizer(new SecureRequestCustomizer(false));
        ServerConnector https = new ServerConnector(server, new SslConnectionFactory(TestKeyStores.serverTls(), "http/1.1"),
            new HttpConnectionFactory(configuration));
        https.setHost("127.0.0.1");
        server.addConnector(https);
        XmlConfiguration xml = new XmlConfiguration(ResourceFactory.root().newResource(XML));
        xml.getIdMap().put("sslConnector", https);
        xml.getProperties().putAll(properties);
        xml.configure(server);
        H3Connector h3 = assertInstanceOf(H3Connector.class, xml.getIdMap().get("h3connector"));
        return h3.quicConnector().getOptions();
    }
}
