package io.github.h3connector.jetty;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.github.h3connector.jetty.module.H3ModuleSupport;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.github.h3connector.jetty.module.H3ModuleSupport.NODE_NAME;
import static io.github.h3connector.jetty.module.H3ModuleSupport.SECRET_ENV;
import static io.github.h3connector.jetty.module.H3ModuleSupport.SECRET_FILE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The module properties for running several nodes behind one load balancer: the shared secret from a file or an
 * environment variable (never in a message), and the node name in the {@code H3-Node} response header (off by default),
 * through {@link H3ModuleSupport#attach} on a Jetty HTTPS connector built as the {@code ssl}/{@code https} modules build it.
 */
class ModuleSecretAndNodeNameTest
{
    private static final String SECRET = "s3cr3t-Zq9vR2xW8kLmN4pT6yB1cD0eF=";

    @Test
    void secretFromAFileIsItsTrimmedText(@TempDir Path dir) throws Exception
    {
        Path file = Files.writeString(dir.resolve("h3.secret"), "  " + SECRET + "\n");
        byte[] secret = H3ModuleSupport.secret(file.toString(), "", name -> null).orElseThrow();
        assertArrayEquals(SECRET.getBytes(StandardCharsets.UTF_8), secret);
    }

    @Test
    void secretFromAnEnvironmentVariable()
    {
        Map<String, String> environment = Map.of("H3_SECRET", SECRET + "\n");
        byte[] secret = H3ModuleSupport.secret(null, " H3_SECRET ", environment::get).orElseThrow();
        assertArrayEquals(SECRET.getBytes(StandardCharsets.UTF_8), secret);
    }

    @Test
    void noSecretPropertyMeansARandomSecretPerStart()
    {
        assertTrue(H3ModuleSupport.secret("", " ", name -> SECRET).isEmpty());
        assertTrue(H3ModuleSupport.secret(null, null, name -> SECRET).isEmpty());
    }

    @Test
    void badSecretsFailWithOneLineThatNamesTheFixAndNotTheSecret(@TempDir Path dir) throws Exception
    {
        Path shortFile = Files.writeString(dir.resolve("short"), "tooShort15bytes\n");
        assertBad("jetty.h3connector.secretFile=" + shortFile + ": the secret has 15 bytes, it needs at least 16: use for example the output of " +
            "'openssl rand -base64 32', the same on every node", "tooShort15bytes", () -> H3ModuleSupport.secret(shortFile.toString(), null, name -> null));
        Path missing = dir.resolve("missing");
        assertBad("jetty.h3connector.secretFile=" + missing + " cannot be read (NoSuchFileException): create it with at least 16 bytes, for example " +
            "'openssl rand -base64 32 > " + missing + "'", SECRET, () -> H3ModuleSupport.secret(missing.toString(), null, name -> SECRET));
        assertBad("jetty.h3connector.secretEnv=H3_SECRET names an environment variable that is not set: export H3_SECRET with at least 16 bytes, " +
            "for example $(openssl rand -base64 32)", SECRET, () -> H3ModuleSupport.secret(null, "H3_SECRET", name -> null));
        assertBad("jetty.h3connector.secretEnv=H3_SECRET: the secret has 0 bytes, it needs at least 16: use for example the output of " +
            "'openssl rand -base64 32', the same on every node", SECRET, () -> H3ModuleSupport.secret(null, "H3_SECRET", name -> "  \n"));
        assertBad("jetty.h3connector.secretFile and jetty.h3connector.secretEnv are both set: set only one of them", SECRET,
            () -> H3ModuleSupport.secret(shortFile.toString(), "H3_SECRET", name -> SECRET));
    }

    private static void assertBad(String message, String secretText, Runnable call)
    {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, call::run);
        assertEquals(message, x.getMessage());
        assertEquals(1, x.getMessage().lines().count());
        assertFalse(x.getMessage().contains(secretText), "the message shows the secret: " + x.getMessage());
    }

    @Test
    void theSecretFileReachesTheQuicConnectorAndIsNotShown(@TempDir Path dir) throws Exception
    {
        Path file = Files.writeString(dir.resolve("h3.secret"), SECRET);
        Server server = new Server();
        H3Connector h3 = attach(server, file.toString(), "");
        assertArrayEquals(SECRET.getBytes(StandardCharsets.UTF_8), h3.quicConnector().getOptions().secret().orElseThrow());
        assertTrue(h3.quicConnector().getOptions().toString().contains("secret=set"));
        assertFalse(h3.quicConnector().getOptions().toString().contains(SECRET));
        assertFalse(h3.toString().contains(SECRET));
    }

    @Test
    void theNodeNameIsInEveryProtocolsResponses() throws Exception
    {
        Server server = new Server();
        H3Connector h3 = attach(server, "", "node-1");
        server.start();
        try (TestClients clients = new TestClients())
        {
            String url = "https://localhost:" + h3.tlsConnector().getLocalPort() + "/hello";
            for (HttpClient client : new HttpClient[]{clients.http1, clients.http2, clients.http3})
            {
                ContentResponse response = client.newRequest(url).timeout(15, TimeUnit.SECONDS).send();
                assertEquals(200, response.getStatus());
                assertEquals("node-1", response.getHeaders().get(NodeNameCustomizer.HEADER), response.getVersion().toString());
            }
            assertEquals(HttpVersion.HTTP_3, clients.http3.newRequest(url).timeout(15, TimeUnit.SECONDS).send().getVersion());
        }
        finally
        {
            server.stop();
        }
    }

    @Test
    void withoutANodeNameThereIsNoHeader() throws Exception
    {
        Server server = new Server();
        H3Connector h3 = attach(server, "", "");
        server.start();
        try (TestClients clients = new TestClients())
        {
            ContentResponse response = clients.http1.newRequest("https://localhost:" + h3.tlsConnector().getLocalPort() + "/hello")
                .timeout(15, TimeUnit.SECONDS).send();
            assertEquals(200, response.getStatus());
            assertNull(response.getHeaders().get(NodeNameCustomizer.HEADER));
        }
        finally
        {
            server.stop();
        }
    }

    @Test
    void aBadNodeNameFailsWithOneLine()
    {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> attach(new Server(), "", "node 1\r\nX-Evil: 1"));
        assertEquals("jetty.h3connector.nodeName=node 1\\r\\nX-Evil: 1 is invalid: the node name must be 1 to 64 characters of " +
            "A-Z a-z 0-9 . _ - (a host or pod name), got 'node 1??X-Evil: 1'", x.getMessage());
        assertTrue(x.getMessage().startsWith(NODE_NAME));
        assertTrue(SECRET_FILE.startsWith("jetty.h3connector.") && SECRET_ENV.startsWith("jetty.h3connector."));
    }

    /** As Jetty's ssl, https and http2 modules and etc/h3connector.xml do, with a /hello servlet. */
    private static H3Connector attach(Server server, String secretFile, String nodeName)
    {
        HttpConfiguration configuration = new HttpConfiguration();
        configuration.addCustomizer(new SecureRequestCustomizer(false));
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("h2", "http/1.1");
        alpn.setDefaultProtocol("http/1.1");
        ServerConnector https = new ServerConnector(server, new SslConnectionFactory(TestKeyStores.serverTls(), alpn.getProtocol()), alpn,
            new HTTP2ServerConnectionFactory(configuration), new HttpConnectionFactory(configuration));
        https.setHost("127.0.0.1");
        server.addConnector(https);
        ServletContextHandler context = new ServletContextHandler("/");
        context.addServlet(new ServletHolder(new HttpServlet()
        {
            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response) throws java.io.IOException
            {
                response.getWriter().print("hello");
            }
        }), "/hello");
        server.setHandler(context);
        return H3ModuleSupport.attach(https, Map.of(SECRET_FILE, secretFile, NODE_NAME, nodeName));
    }
}
