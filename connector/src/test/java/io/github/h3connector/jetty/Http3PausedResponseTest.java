package io.github.h3connector.jetty;

import java.io.InputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.http.HttpVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A client that stops reading one HTTP/3 response, without cancelling it (flow control, as a browser applies it to a
 * paused download), does not hold up the other responses on the same connection. Checked while isolating the soak's
 * broken HTTP/3 connections (docs/RELIABILITY.md, "Soak"). Jetty 12.1.5's server fails it (its session-wide frame
 * flusher waits for the paused stream); ours passes through {@link PerStreamMessageFlusher}. The client must be one that
 * acknowledges what it receives while paused, as browsers and ngtcp2 do.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class Http3PausedResponseTest
{
    @Test
    void unreadResponseDoesNotHoldUpOtherStreams() throws Exception
    {
        try (TestServer server = ReliabilitySupport.started(H3Options.builder()))
        {
            // Jetty's own client stops acknowledging while its application reads nothing (see AckingQuicheTransport).
            // A 256 KiB stream window fills within the pause below, so the server's write is surely blocked by then.
            HttpClient client = TestClients.ackingHttp3Client(256 * 1024);
            try
            {
                assertEquals(HttpVersion.HTTP_3, client.GET(server.url("/protocol")).getVersion());
                // 32 MiB, read 64 KiB of it, then neither read nor cancel: the stream's flow-control window fills up.
                InputStreamResponseListener paused = new InputStreamResponseListener();
                client.newRequest(server.url("/bytes?mib=32&seed=7")).timeout(60, TimeUnit.SECONDS).send(paused);
                assertEquals(200, paused.get(10, TimeUnit.SECONDS).getStatus());
                InputStream body = paused.getInputStream();
                assertEquals(64 * 1024, body.readNBytes(64 * 1024).length);
                ReliabilitySupport.sleep(2000); // the server fills the paused stream's window meanwhile

                // Same client, same QUIC connection, a small request: it must not wait for the paused one.
                long start = System.nanoTime();
                CompletableFuture<ContentResponse> other = new CompletableResponseListener(
                    client.newRequest(server.url("/protocol")).timeout(20, TimeUnit.SECONDS)).send();
                String outcome;
                try
                {
                    outcome = "status " + other.get(25, TimeUnit.SECONDS).getStatus();
                }
                catch (ExecutionException | TimeoutException x)
                {
                    outcome = "failed: " + (x.getCause() == null ? x : x.getCause());
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                ReliabilitySupport.figure("h3-paused-response", String.format(
                    "request on a connection whose other response the client stopped reading: %s after %.1f s", outcome, seconds));
                body.close();
                assertEquals("status 200", outcome, "the small request on the connection with a paused download");
            }
            finally
            {
                client.stop();
            }
        }
    }
}
