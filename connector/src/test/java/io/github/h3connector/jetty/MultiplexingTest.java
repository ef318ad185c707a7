package io.github.h3connector.jetty;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hundreds of different responses at once on one QUIC connection each carry their own headers and body. Every response
 * has a distinct length and distinct custom headers, so that a header block decoded against the wrong QPACK dynamic
 * table shows up as a wrong value. ngtcp2's client uses the dynamic table: with the encoder not serialized in
 * {@link PerStreamMessageFlusher}, its test failed in 3 of 3 runs (bodies cut to another response's
 * {@code content-length}). Jetty's client runs without a dynamic table (see {@link TestClients#withoutDynamicTable}), so
 * its test checks that the per-stream flushers keep each stream's frames apart.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MultiplexingTest
{
    private static final int RESPONSES = 240;

    @Test
    void jettyClientGetsEveryResponseWithItsOwnHeaders() throws Exception
    {
        try (TestServer server = server())
        {
            HttpClient client = TestClients.http3Client();
            try
            {
                // One connection for all of them.
                client.setMaxConnectionsPerDestination(1);
                assertEquals(HttpVersion.HTTP_3, client.GET(server.url("/n?n=1")).getVersion());
                List<CompletableFuture<ContentResponse>> responses = new ArrayList<>();
                for (int i = 0; i < RESPONSES; i++)
                    responses.add(new CompletableResponseListener(client.newRequest(server.url("/n?n=" + length(i))).timeout(60, TimeUnit.SECONDS), 1 << 20).send());
                for (int i = 0; i < RESPONSES; i++)
                {
                    ContentResponse response = responses.get(i).get(60, TimeUnit.SECONDS);
                    int n = length(i);
                    assertEquals(200, response.getStatus(), "response " + i);
                    assertEquals(String.valueOf(n), response.getHeaders().get(HttpHeader.CONTENT_LENGTH), "content-length of response " + i);
                    assertEquals("n-" + n, response.getHeaders().get("X-Response"), "x-response of response " + i);
                    assertEquals("bytes-" + n, response.getHeaders().get("X-Response-Name"), "x-response-name of response " + i);
                    assertArrayEquals(body(n), response.getContent(), "body of response " + i);
                }
                assertEquals(1, server.h3.statistics().getQuicConnections(), "all on one QUIC connection");
            }
            finally
            {
                client.stop();
            }
        }
    }

    @Test
    void ngtcp2ClientGetsEveryResponseOnOneConnection(@TempDir Path downloads) throws Exception
    {
        GtlsClientInteropTest.requireGtlsclient();
        try (TestServer server = server())
        {
            int port = server.udpPort();
            List<String> command = new ArrayList<>(List.of(GtlsClientInteropTest.GTLSCLIENT.toString(), "--quiet", "--exit-on-all-streams-close",
                "--download=" + downloads, "127.0.0.1", String.valueOf(port)));
            for (int i = 0; i < RESPONSES; i++)
                command.add("https://127.0.0.1:" + port + "/n?n=" + length(i));
            ReliabilitySupport.ProcessResult result = ReliabilitySupport.run(60, command.toArray(String[]::new));
            assertTrue(result.finished(), "gtlsclient did not finish in 60 s: " + result.output());
            assertEquals(0, result.exit(), result.output());
            // ngtcp2's client checks content-length against the body it got, and closes with H3_MESSAGE_ERROR otherwise.
            assertFalse(result.output().contains("H3_MESSAGE_ERROR"), result.output());
            for (int i = 0; i < RESPONSES; i++)
            {
                int n = length(i);
                Path file = downloads.resolve("n?n=" + n);
                assertTrue(Files.exists(file), "response " + i + " was not downloaded");
                assertArrayEquals(body(n), Files.readAllBytes(file), "body of response " + i);
            }
            assertEquals(1, server.h3.statistics().getQuicConnections(), "all on one QUIC connection");
            assertEquals(RESPONSES, server.h3.statistics().getHttp3Requests());
        }
    }

    /** Distinct lengths, 1 byte to about 120 KiB, each its own content-length value. */
    private static int length(int i)
    {
        return 1 + i * 509;
    }

    private static byte[] body(int n)
    {
        byte[] body = new byte[n];
        for (int i = 0; i < n; i++)
            body[i] = (byte)((i * 31 + n) % 251);
        return body;
    }

    private static TestServer server() throws Exception
    {
        TestServer server = ReliabilitySupport.server(H3Options.builder());
        ((ServletContextHandler)server.server.getHandler()).addServlet(new ServletHolder(new HttpServlet()
        {
            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
            {
                int n = Integer.parseInt(request.getParameter("n"));
                response.setContentLength(n);
                // Two values per response that QPACK may put into its dynamic table.
                response.setHeader("X-Response", "n-" + n);
                response.setHeader("X-Response-Name", "bytes-" + n);
                response.getOutputStream().write(body(n));
            }
        }), "/n");
        server.server.start();
        return server;
    }
}
