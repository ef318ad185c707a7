package io.github.h3connector.jetty;

import java.time.Duration;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLSocket;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.client.AsyncRequestContent;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Graceful stop with 100 HTTP/3 requests in flight, half slow responses and half slow uploads, all in the servlet when
 * the stop begins: all 100 complete during the drain, new HTTPS and QUIC connections are refused, and responses carry
 * {@code Alt-Svc: clear}. None of the 100 may end with {@code RetryableStreamException}: the server accepted them
 * before its first GOAWAY, so by RFC 9114 section 5.2 they are "processed" and must be served (see
 * {@link GracefulStopGoAwayTest} for the GOAWAY id that made 1 or 2 of them fail). The forced stop is
 * {@link ReliabilityForcedStopTest}.
 */
@Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReliabilityGracefulStopIT
{
    private static final int SLOW_RESPONSES = 50;
    private static final long STOP_TIMEOUT_MILLIS = 45_000;
    private static final int SLOW_UPLOADS = 50;
    static final int RESPONSE_BYTES = 64 * 1024;
    private static final int UPLOAD_CHUNKS = 8;
    private static final int WRITE_CHUNK = 8 * 1024;
    private static final int UPLOAD_CHUNK = 4 * 1024;

    private final CountDownLatch gate = new CountDownLatch(1);
    private final AtomicInteger started = new AtomicInteger();

    private TestServer server(long stopTimeout, int gateSeconds) throws Exception
    {
        return gateServer(stopTimeout, gateSeconds, gate, started);
    }

    /** A started test server with {@code /gate}: GET and POST wait for {@code gate}, counting in {@code started}. */
    static TestServer gateServer(long stopTimeout, int gateSeconds, CountDownLatch gate, AtomicInteger started) throws Exception
    {
        TestServer server = ReliabilitySupport.server(H3Options.builder());
        ServletContextHandler context = (ServletContextHandler)server.server.getHandler();
        context.addServlet(new ServletHolder(new HttpServlet()
        {
            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
            {
                started.incrementAndGet();
                await(gate, gateSeconds);
                byte[] body = body(Integer.parseInt(request.getParameter("n")));
                response.setContentLength(body.length);
                OutputStream out = response.getOutputStream();
                for (int i = 0; i < body.length; i += WRITE_CHUNK)
                {
                    out.write(body, i, WRITE_CHUNK);
                    out.flush();
                }
            }

            @Override
            protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException
            {
                started.incrementAndGet();
                MessageDigest sha = ReliabilitySupport.sha256();
                byte[] buffer = new byte[8192];
                try (InputStream in = request.getInputStream())
                {
                    for (int read = in.read(buffer); read >= 0; read = in.read(buffer))
                        sha.update(buffer, 0, read);
                }
                response.getWriter().print(HexFormat.of().formatHex(sha.digest()));
            }
        }), "/gate");
        server.server.setStopTimeout(stopTimeout);
        server.server.start();
        return server;
    }

    private static void await(CountDownLatch latch, int seconds) throws IOException
    {
        try
        {
            if (!latch.await(seconds, TimeUnit.SECONDS))
                throw new IOException("gate not opened within " + seconds + " s");
        }
        catch (InterruptedException x)
        {
            throw new IOException(x);
        }
    }

    static byte[] body(int n)
    {
        byte[] bytes = new byte[RESPONSE_BYTES];
        new SplittableRandom(n).nextBytes(bytes);
        return bytes;
    }

    @Test
    void hundredRequestsInFlightAllCompleteDuringTheDrain() throws Exception
    {
        // A long stop timeout: on a loaded 2-core machine the 4.8 MiB of the drain took up to 20 s (client-side UDP
        // receive-buffer drops), and a drain cut short would fail requests for the wrong reason.
        try (TestServer server = server(STOP_TIMEOUT_MILLIS, 60); TestClients clients = new TestClients(); SSLSocket keepAlive = RawHttps.trustingSocket(server.port()))
        {
            assertTrue(RawHttps.exchange(keepAlive).contains("alt-svc: h3=\":" + server.udpPort() + "\""));
            assertEquals(HttpVersion.HTTP_3, clients.http3.GET(server.url("/protocol")).getVersion());

            List<CompletableFuture<ContentResponse>> responses = new ArrayList<>();
            for (int n = 0; n < SLOW_RESPONSES; n++)
            {
                responses.add(new CompletableResponseListener(clients.http3.newRequest(server.url("/gate?n=" + n)).timeout(90, TimeUnit.SECONDS),
                    2 * RESPONSE_BYTES).send());
            }
            List<AsyncRequestContent> uploads = new ArrayList<>();
            List<byte[]> uploadBodies = new ArrayList<>();
            for (int n = 0; n < SLOW_UPLOADS; n++)
            {
                AsyncRequestContent content = new AsyncRequestContent();
                byte[] body = new byte[UPLOAD_CHUNKS * UPLOAD_CHUNK];
                new SplittableRandom(1000 + n).nextBytes(body);
                content.write(ByteBuffer.wrap(body, 0, UPLOAD_CHUNK), Callback.NOOP);
                uploads.add(content);
                uploadBodies.add(body);
                responses.add(new CompletableResponseListener(clients.http3.newRequest(server.url("/gate")).method(HttpMethod.POST)
                    .body(content).timeout(90, TimeUnit.SECONDS)).send());
            }
            Await.await(() -> started.get() >= SLOW_RESPONSES + SLOW_UPLOADS, Duration.ofSeconds(60),
                () -> SLOW_RESPONSES + SLOW_UPLOADS + " requests in the servlet before the stop, " + started.get() + " there");
            assertEquals(SLOW_RESPONSES + SLOW_UPLOADS, started.get(), "requests in the servlet when stop begins");

            // Known before the stop: once the HTTPS connector closes its socket it reports no port.
            int port = server.port();
            // Jetty cuts the idle timeout of open connections to 1 s when the drain begins: use the keep-alive
            // connection just before, so that it is still open for the request during the drain.
            assertTrue(RawHttps.exchange(keepAlive).contains("alt-svc: h3="));
            String freshUrl = server.url("/protocol");
            long stopStart = System.nanoTime();
            CompletableFuture<Void> stop = CompletableFuture.runAsync(() -> stop(server));
            Await.await(() -> "clear".equals(server.h3.quicConnector().getAltSvc()), Duration.ofSeconds(30),
                () -> "Alt-Svc clear once the stop begins, is " + server.h3.quicConnector().getAltSvc());
            // Jetty shuts its connectors down in reverse order, so the QUIC drain can begin before the HTTPS
            // connector has closed its listening socket.
            Await.await(() -> !server.h3.tlsConnector().isOpen(), Duration.ofSeconds(30), "the HTTPS connector to close its listening socket");

            // Alt-Svc: clear on the HTTPS keep-alive connection opened before the stop.
            String drained = RawHttps.exchange(keepAlive);
            assertTrue(drained.contains("alt-svc: clear"), drained);

            // New connections refused: TCP and QUIC.
            // The HTTPS listener is closed: the kernel refuses the TCP connection.
            String newTcp = newHttpsConnection(port);
            assertEquals("java.net.ConnectException: Connection refused", newTcp, "new HTTPS connection during the drain");
            // The UDP socket stays open for the draining connections, but the server drops a new connection's
            // Initials: the client hears nothing and times out.
            String newQuic;
            long droppedBefore = server.h3.statistics().getDroppedDatagrams();
            try (TestClients fresh = new TestClients())
            {
                ExecutionException refused = assertThrows(ExecutionException.class, () ->
                    new CompletableResponseListener(fresh.http3.newRequest(freshUrl).timeout(3, TimeUnit.SECONDS)).send().get(10, TimeUnit.SECONDS),
                    "new QUIC connection during the drain");
                assertInstanceOf(TimeoutException.class, refused.getCause(), "new QUIC connection during the drain");
                newQuic = refused.getCause().toString();
            }
            assertTrue(server.h3.statistics().getDroppedDatagrams() > droppedBefore, "the new QUIC connection's Initials were dropped");

            // Now let everything finish: the responses, then the rest of each upload, slowly.
            gate.countDown();
            for (int chunk = 1; chunk < UPLOAD_CHUNKS; chunk++)
            {
                for (int n = 0; n < SLOW_UPLOADS; n++)
                    uploads.get(n).write(ByteBuffer.wrap(uploadBodies.get(n), chunk * UPLOAD_CHUNK, UPLOAD_CHUNK), Callback.NOOP);
                Thread.sleep(50);
            }
            uploads.forEach(AsyncRequestContent::close);
            int ok = 0;
            for (int n = 0; n < responses.size(); n++)
            {
                int request = n;
                ContentResponse response = assertDoesNotThrow(() -> responses.get(request).get(60, TimeUnit.SECONDS),
                    () -> "request " + request + (request < SLOW_RESPONSES ? " (slow response)" : " (slow upload)"));
                assertEquals(200, response.getStatus(), "request " + n);
                if (n < SLOW_RESPONSES)
                    assertEquals(ReliabilitySupport.sha256(body(n)), ReliabilitySupport.sha256(response.getContent()), "response " + n);
                else
                    assertEquals(ReliabilitySupport.sha256(uploadBodies.get(n - SLOW_RESPONSES)), response.getContentAsString(), "upload " + n);
                ok++;
            }
            stop.get(STOP_TIMEOUT_MILLIS + 10_000, TimeUnit.MILLISECONDS);
            double stopSeconds = (System.nanoTime() - stopStart) / 1e9;
            ReliabilitySupport.figure("graceful-stop", String.format(
                "%d/%d in-flight HTTP/3 requests (%d slow responses of %d KiB, %d slow uploads of %d KiB) completed during the drain; " +
                "stop took %.1f s (stop timeout %d s); new HTTPS connection not served (%s); new QUIC connection failed (%s); Alt-Svc: clear on the kept-alive HTTPS connection; " +
                "Alt-Svc: clear sent %d times", ok, SLOW_RESPONSES + SLOW_UPLOADS, SLOW_RESPONSES, RESPONSE_BYTES / 1024, SLOW_UPLOADS,
                UPLOAD_CHUNKS * UPLOAD_CHUNK / 1024, stopSeconds, STOP_TIMEOUT_MILLIS / 1000, newTcp, newQuic, server.h3.statistics().getAltSvcClearSent()));
        }
    }

    /** Tries a new HTTPS connection and request; returns "served ..." or what went wrong. */
    static String newHttpsConnection(int port)
    {
        try (SSLSocket socket = RawHttps.trustingSocket(port))
        {
            socket.setSoTimeout(3000);
            String response = RawHttps.exchange(socket);
            return response.isEmpty() ? "closed without a response" : "served " + response.lines().findFirst().orElse("");
        }
        catch (Exception x)
        {
            return x.toString();
        }
    }

    static void stop(TestServer server)
    {
        try
        {
            server.server.stop();
        }
        catch (Exception x)
        {
            throw new RuntimeException(x);
        }
    }
}
