package io.github.h3connector.demo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.BindException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

import io.github.h3connector.jetty.UdpPortInUseException;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo server on a free port, over real sockets, with Jetty's HTTP/1.1, HTTP/2 and HTTP/3 clients. */
class DemoServerTest
{
    static final String PASSWORD = "demo-test";
    private static DemoServer demo;
    private static TestClients clients;

    static Path keyStore() throws IOException
    {
        Path keyStore = Path.of("target", "test-keystores", "demo.p12").toAbsolutePath();
        return DemoServer.selfSigned(keyStore, PASSWORD).keyStore();
    }

    @BeforeAll
    static void start() throws Exception
    {
        // Port 0 gives a free TCP port; the same UDP port can still be taken (by a QUIC client's socket, say): try again.
        for (int attempt = 1; ; attempt++)
        {
            demo = DemoServer.create(DemoOptions.of("127.0.0.1", 0, keyStore(), PASSWORD));
            try
            {
                demo.start();
                break;
            }
            catch (UdpPortInUseException taken)
            {
                demo.stop();
                if (attempt == 5)
                    throw taken;
            }
        }
        clients = new TestClients();
    }

    @AfterAll
    static void stop() throws Exception
    {
        // The server first, while the clients still answer its GOAWAY: a graceful stop waits for QUIC connections
        // to close, and a client that already went away without its close packet arriving is only noticed at the
        // idle timeout, after the demo's 10 s stop timeout.
        try
        {
            if (demo != null)
                demo.stop();
        }
        finally
        {
            if (clients != null)
                clients.close();
        }
    }

    private static String url(String path)
    {
        return "https://localhost:" + demo.port() + path;
    }

    private static ContentResponse get(HttpClient client, String path) throws Exception
    {
        return client.newRequest(url(path)).timeout(15, TimeUnit.SECONDS).send();
    }

    @Test
    void sameTcpAndUdpPort()
    {
        assertTrue(demo.port() > 0);
        assertEquals(demo.port(), demo.h3().quicConnector().getLocalPort());
    }

    @Test
    void protocolOverHttp1()
    {
        assertProtocol(clients.http1, HttpVersion.HTTP_1_1,
            "{\"protocol\":\"HTTP/1.1\",\"http3\":false,\"servletProtocol\":\"HTTP/1.1\",\"altSvc\":\"h3=\\\":" + demo.port() + "\\\"; ma=86400\"}");
    }

    @Test
    void protocolOverHttp2()
    {
        assertProtocol(clients.http2, HttpVersion.HTTP_2,
            "{\"protocol\":\"HTTP/2\",\"http3\":false,\"servletProtocol\":\"HTTP/2.0\",\"altSvc\":\"h3=\\\":" + demo.port() + "\\\"; ma=86400\"}");
    }

    @Test
    void protocolOverHttp3()
    {
        assertProtocol(clients.http3, HttpVersion.HTTP_3,
            "{\"protocol\":\"HTTP/3\",\"http3\":true,\"servletProtocol\":\"HTTP/3.0\",\"altSvc\":null}");
    }

    private static void assertProtocol(HttpClient client, HttpVersion version, String expected)
    {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () ->
        {
            ContentResponse response = get(client, "/protocol");
            assertEquals(200, response.getStatus());
            assertEquals(version, response.getVersion());
            assertEquals("application/json;charset=utf-8", response.getHeaders().get(HttpHeader.CONTENT_TYPE).toLowerCase());
            assertEquals(expected, response.getContentAsString());
            // altSvc is the header of that very response.
            String altSvc = response.getHeaders().get(HttpHeader.ALT_SVC);
            if (version == HttpVersion.HTTP_3)
                assertNull(altSvc);
            else
                assertEquals("h3=\":" + demo.port() + "\"; ma=86400", altSvc);
            assertEquals(1, response.getHeaders().getFields(HttpHeader.ALT_SVC).size() + (altSvc == null ? 1 : 0));
        });
    }

    @Test
    void bytesOverHttp3() throws Exception
    {
        int n = 5 * 1024 * 1024;
        MessageDigest expected = MessageDigest.getInstance("SHA-256");
        byte[] pattern = new byte[n];
        for (int i = 0; i < n; i++)
            pattern[i] = (byte)((i * 31 + 7) & 0xFF);
        expected.update(pattern);

        assertTimeoutPreemptively(Duration.ofSeconds(60), () ->
        {
            InputStreamResponseListener listener = new InputStreamResponseListener();
            clients.http3.newRequest(url("/bytes?n=" + n)).send(listener);
            Response response = listener.get(15, TimeUnit.SECONDS);
            assertEquals(200, response.getStatus());
            assertEquals(HttpVersion.HTTP_3, response.getVersion());
            assertEquals(String.valueOf(n), response.getHeaders().get(HttpHeader.CONTENT_LENGTH));
            MessageDigest actual = MessageDigest.getInstance("SHA-256");
            long length = 0;
            try (InputStream in = listener.getInputStream())
            {
                byte[] buffer = new byte[32 * 1024];
                for (int read; (read = in.read(buffer)) >= 0; )
                {
                    actual.update(buffer, 0, read);
                    length += read;
                }
            }
            assertEquals(n, length);
            assertEquals(HexFormat.of().formatHex(expected.digest()), HexFormat.of().formatHex(actual.digest()));
        });
    }

    @Test
    void bytesSmallAndEmpty() throws Exception
    {
        ContentResponse response = get(clients.http2, "/bytes?n=1000");
        assertEquals(200, response.getStatus());
        byte[] body = response.getContent();
        assertEquals(1000, body.length);
        for (int i = 0; i < body.length; i++)
            assertEquals(BytesServlet.pattern(i), body[i]);
        ContentResponse empty = get(clients.http1, "/bytes?n=0");
        assertEquals(200, empty.getStatus());
        assertEquals("0", empty.getHeaders().get(HttpHeader.CONTENT_LENGTH));
        assertEquals(0, empty.getContent().length);
    }

    @Test
    void postBytesAnswersTheBodysSha256AndLength() throws Exception
    {
        byte[] body = new byte[300_000];
        for (int i = 0; i < body.length; i++)
            body[i] = BytesServlet.pattern(i * 7L);
        ContentResponse response = clients.http2.POST(url("/bytes"))
            .body(new org.eclipse.jetty.client.BytesRequestContent(body)).timeout(10, TimeUnit.SECONDS).send();
        assertEquals(200, response.getStatus());
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)) + " " + body.length + "\n",
            response.getContentAsString());
    }

    @Test
    void bytesBadValues() throws Exception
    {
        for (HttpClient client : new HttpClient[]{clients.http1, clients.http3})
        {
            assertBadRequest(client, "/bytes", "missing parameter n: use /bytes?n=NUMBER_OF_BYTES (0 to 1073741824)");
            assertBadRequest(client, "/bytes?n=", "missing parameter n: use /bytes?n=NUMBER_OF_BYTES (0 to 1073741824)");
            assertBadRequest(client, "/bytes?n=abc", "n must be a whole number of bytes (0 to 1073741824), got 'abc'");
            assertBadRequest(client, "/bytes?n=1.5", "n must be a whole number of bytes (0 to 1073741824), got '1.5'");
            assertBadRequest(client, "/bytes?n=-1", "n must not be negative, got -1");
            assertBadRequest(client, "/bytes?n=1073741825", "n must be at most 1073741824 (1 GiB, the cap of this demo), got 1073741825");
            assertBadRequest(client, "/bytes?n=99999999999999999999", "n must be a whole number of bytes (0 to 1073741824), got '99999999999999999999'");
        }
        // The cap itself is allowed: only the headers are read here.
        InputStreamResponseListener listener = new InputStreamResponseListener();
        clients.http2.newRequest(url("/bytes?n=1073741824")).send(listener);
        Response response = listener.get(15, TimeUnit.SECONDS);
        assertEquals(200, response.getStatus());
        assertEquals("1073741824", response.getHeaders().get(HttpHeader.CONTENT_LENGTH));
        response.abort(new IOException("enough"));
    }

    private static void assertBadRequest(HttpClient client, String path, String message) throws Exception
    {
        ContentResponse response = get(client, path);
        assertEquals(400, response.getStatus(), path);
        assertTrue(response.getHeaders().get(HttpHeader.CONTENT_TYPE).startsWith("text/plain"), path);
        assertEquals(message + "\n", response.getContentAsString(), path);
    }

    @Test
    void page() throws Exception
    {
        ContentResponse response = get(clients.http2, "/");
        assertEquals(200, response.getStatus());
        assertTrue(response.getHeaders().get(HttpHeader.CONTENT_TYPE).startsWith("text/html"));
        String html = response.getContentAsString();
        assertTrue(html.contains("data-protocol=\"HTTP/2\""), "server-rendered protocol of the page load");
        assertTrue(html.contains("<code>HTTP/2.0</code>"));
        assertTrue(html.contains("/protocol?n="), "fetches use unique URLs");
        assertTrue(html.contains("nextHopProtocol"));
        assertTrue(!html.contains("<script src") && !html.contains("<link"), "no external resources");

        ContentResponse h3 = get(clients.http3, "/");
        assertTrue(h3.getContentAsString().contains("data-protocol=\"HTTP/3\""));
        assertEquals(404, get(clients.http1, "/missing").getStatus());
    }

    @Test
    void startupFailureIsOneLineWithExit1() throws Exception
    {
        // The port is probed, then used: another process may take it in between (a BindException at the check below),
        // then again with another port. A port the demo really left bound fails every attempt, each on a new port.
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                startupFailsOnce();
                return;
            }
            catch (BindException taken)
            {
                if (attempt == 5)
                    throw taken;
            }
        }
    }

    private static void startupFailsOnce() throws Exception
    {
        int port;
        try (ServerSocket socket = new ServerSocket(0))
        {
            port = socket.getLocalPort();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] args = {"--port", String.valueOf(port), "--keystore", keyStore().toString(), "--keystore-password", "wrong"};
        int code = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> DemoServer.run(args, DemoOptionsTest.print(out), DemoOptionsTest.print(err)));
        assertEquals(1, code);
        String error = err.toString(StandardCharsets.UTF_8);
        assertTrue(error.startsWith("embedded-demo: "), error);
        assertEquals(1, error.lines().count(), error);
        // No port left bound.
        try (ServerSocket socket = new ServerSocket(port))
        {
            assertEquals(port, socket.getLocalPort());
        }
    }
}
