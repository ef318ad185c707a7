package io.github.h3connector.jetty;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.http.HttpVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stop whose stop timeout ends the drain while a request never finishes: Jetty reports the timeout (its stop throws
 * {@code TimeoutException}), and the HTTP/3 client learns of the close at once, with an HTTP/3 error on its stream,
 * instead of after its own idle timeout.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReliabilityForcedStopTest
{
    private final CountDownLatch gate = new CountDownLatch(1);
    private final AtomicInteger started = new AtomicInteger();

    @Test
    void forcedStopAfterTheGracePeriodClosesWithAnError() throws Exception
    {
        try (TestServer server = ReliabilityGracefulStopIT.gateServer(2_000, 60, gate, started); TestClients clients = new TestClients())
        {
            assertEquals(HttpVersion.HTTP_3, clients.http3.GET(server.url("/protocol")).getVersion());
            CompletableFuture<ContentResponse> stuck = new CompletableResponseListener(
                clients.http3.newRequest(server.url("/gate?n=1")).timeout(60, TimeUnit.SECONDS), 2 * ReliabilityGracefulStopIT.RESPONSE_BYTES).send();
            Await.await(() -> started.get() >= 1, Duration.ofSeconds(10), "the request to reach the servlet");
            long stopStart = System.nanoTime();
            String stopOutcome = "returned normally";
            try
            {
                server.server.stop();
            }
            catch (Exception x)
            {
                stopOutcome = "threw " + x;
            }
            // Jetty reports a drain cut short by the stop timeout as a failed stop; the server no longer runs.
            assertFalse(server.server.isRunning());
            assertTrue(stopOutcome.contains("TimeoutException"), stopOutcome);
            double stopSeconds = (System.nanoTime() - stopStart) / 1e9;
            ExecutionException failure = assertThrows(ExecutionException.class, () -> stuck.get(20, TimeUnit.SECONDS),
                "the client learns of the forced close, not after its own idle timeout");
            double failedAfter = (System.nanoTime() - stopStart) / 1e9;
            gate.countDown();
            String seen = failure.getCause().toString();
            ReliabilitySupport.figure("forced-stop", String.format(
                "stop timeout 2 s with a request that never finishes: stop %s after %.1f s, the HTTP/3 client failed the request after %.1f s with: %s",
                stopOutcome, stopSeconds, failedAfter, seen.replace('\n', ' ')));
            assertTrue(failedAfter < 10, "the client saw the close after " + failedAfter + " s");
            assertTrue(seen.contains("STREAM_RESET"), "closed with an HTTP/3 error on the stream, not silence: " + seen);
        }
    }
}
