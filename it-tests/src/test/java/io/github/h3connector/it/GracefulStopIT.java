package io.github.h3connector.it;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Scenario 4: {@code docker stop} (SIGTERM: Jetty's graceful stop, {@code jetty.server.stopTimeout=20000}, with the
 * {@code graceful} module) while a slow HTTP/3 response is in flight: it completes in full, and a request made
 * during the drain, on an HTTPS keep-alive connection opened before the stop, is told {@code Alt-Svc: clear}.
 *
 * <p>How Jetty 12.1.5 drains TCP connections, and why the test keeps its connections busy: when the graceful stop
 * begins, {@code AbstractConnector.shutdown()} stops accepting and lowers the idle timeout of every open connection to
 * its {@code shutdownIdleTimeout}, 1 s. A keep-alive connection that stays quiet for 1 s after that is closed without
 * a response (this is what the first version of this test ran into: it paused 1.5 s). So the test sends a request
 * every 20 ms, alternating between two connections, until one comes back with the drain's 503. Jetty calls
 * {@code shutdown()} on its components in reverse order of registration, so the QUIC connector (registered after the
 * HTTPS connector) starts to drain, and the customizer to send {@code clear}, before the HTTPS connector and the
 * {@code GracefulHandler} shut down. A request that was already being handled at that instant can still come back
 * with the old advertisement and {@code Connection: close}; the second connection, idle at that instant, then carries
 * the next request, which sees the drain. During the drain {@code GracefulHandler} answers new requests with 503 and
 * {@code Connection: close}; the customizer has put {@code Alt-Svc: clear} on the response before that.
 */
@DockerAvailable
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class GracefulStopIT
{
    static final int CHUNKS = 16;
    static GenericContainer<?> jetty;
    static int port;

    @BeforeAll
    static void start() throws Exception
    {
        JettyContainers.requireDocker();
        port = JettyContainers.freePort();
        jetty = JettyContainers.jetty("graceful", port, true);
        jetty.start();
    }

    @AfterAll
    static void stop()
    {
        if (jetty != null)
            jetty.stop();
    }

    @Test
    void slowHttp3ResponseCompletesAndDrainAdvertisesClear() throws Exception
    {
        String advertisement = "h3=\":" + port + "\"; ma=86400";
        HttpClient h3 = Clients.http3();
        RawHttp1[] connections = {new RawHttp1(Clients.HOST, port), new RawHttp1(Clients.HOST, port)};
        try
        {
            for (RawHttp1 connection : connections)
            {
                RawHttp1.Response before = connection.get("/protocol");
                assertEquals(200, before.status(), before.toString());
                assertEquals(List.of(advertisement), before.values("Alt-Svc"), before.toString());
                assertFalse(before.closes(), before.toString());
            }

            CountDownLatch firstBytes = new CountDownLatch(1);
            Request slow = h3.newRequest(Clients.url(port, "/slow/stream?chunks=" + CHUNKS + "&delayMs=500"))
                .timeout(60, TimeUnit.SECONDS)
                .onResponseContent((response, content) -> firstBytes.countDown());
            CompletableFuture<ContentResponse> slowResponse = new CompletableResponseListener(slow, 1 << 20).send();
            assertTrue(firstBytes.await(20, TimeUnit.SECONDS), "the slow HTTP/3 response did not start");

            long stopAt = System.nanoTime();
            CompletableFuture<Void> dockerStop = CompletableFuture.runAsync(() ->
                DockerClientFactory.instance().client().stopContainerCmd(jetty.getContainerId()).withTimeout(40).exec());

            // Requests on the connections opened before the stop, until one is answered during the drain.
            List<String> seen = new ArrayList<>();
            boolean[] open = {true, true};
            RawHttp1.Response drained = null;
            boolean clearSeen = false;
            long deadline = stopAt + TimeUnit.SECONDS.toNanos(10);
            for (int i = 0; drained == null; i++)
            {
                if (System.nanoTime() > deadline)
                    fail("no 503 with Alt-Svc: clear within 10 s of docker stop; responses: " + seen);
                int c = open[i % 2] ? i % 2 : 1 - i % 2;
                if (!open[c])
                    fail("both connections closed before the drain was seen; responses: " + seen);
                RawHttp1.Response response = connections[c].get("/protocol");
                seen.add("#" + c + ": " + (response.eof() ? "EOF" : response.status() + " " + response.values("Alt-Svc") + (response.closes() ? " close" : "")));
                assertFalse(response.eof(), () -> "a keep-alive connection opened before the stop was closed without a response: " + seen);
                List<String> altSvc = response.values("Alt-Svc");
                if (altSvc.equals(List.of("clear")))
                {
                    clearSeen = true;
                    // The QUIC connector drains (clear) a moment before GracefulHandler does (503): a request in
                    // between is still served, with clear. The next one on the same connection meets the handler.
                    if (response.status() == 503)
                        drained = response;
                    else
                        assertEquals(200, response.status(), response.toString());
                }
                else
                {
                    // Before the drain, or the one request in flight when it began; never after clear was sent.
                    assertFalse(clearSeen, "the advertisement came back after Alt-Svc: clear: " + seen);
                    assertEquals(List.of(advertisement), altSvc, response.toString());
                    assertEquals(200, response.status(), response.toString());
                }
                if (drained == null)
                {
                    if (response.closes())
                        open[c] = false;
                    Thread.sleep(20);
                }
            }
            LoggerFactory.getLogger(GracefulStopIT.class).info("{} ms after docker stop: {}; requests: {}",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopAt), seen.get(seen.size() - 1), seen);
            assertEquals(503, drained.status(), "the graceful module's GracefulHandler refuses new requests while draining:\n" + drained);
            assertTrue(drained.closes(), drained.toString());
            for (RawHttp1 connection : connections)
                connection.close();

            ContentResponse response = slowResponse.get(60, TimeUnit.SECONDS);
            assertEquals(200, response.getStatus());
            assertEquals(HttpVersion.HTTP_3, response.getVersion());
            byte[] body = response.getContent();
            assertEquals(CHUNKS * 1024, body.length, "bytes of the slow response");
            for (int i = 0; i < CHUNKS; i++)
                assertEquals((byte)('a' + i % 26), body[i * 1024 + 1023], "chunk " + i);
            h3.stop();

            dockerStop.get(60, TimeUnit.SECONDS);
            long stopMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopAt);
            LoggerFactory.getLogger(GracefulStopIT.class).info("docker stop took {} ms", stopMillis);
            assertTrue(stopMillis < 30_000, "docker stop took " + stopMillis + " ms: Jetty did not stop within its stop timeout but was killed");
        }
        finally
        {
            for (RawHttp1 connection : connections)
                connection.close();
            h3.stop();
        }
    }
}
