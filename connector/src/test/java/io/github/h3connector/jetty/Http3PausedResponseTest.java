package io.github.h3connector.jetty;

import java.time.Duration;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
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
    private static final int STREAM_WINDOW = 256 * 1024;
    private static final int READ = 64 * 1024;
    private static final int CHUNK = 64 * 1024;

    /** Writes 64 KiB chunks until the client goes away; counts what each returned write handed over. */
    private static final class Writer extends HttpServlet
    {
        private final AtomicLong written = new AtomicLong();
        private volatile Thread thread;

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
        {
            thread = Thread.currentThread();
            response.setContentType("application/octet-stream");
            byte[] chunk = new byte[CHUNK];
            OutputStream out = response.getOutputStream();
            while (true)
            {
                out.write(chunk);
                written.addAndGet(chunk.length);
            }
        }

        boolean blocked()
        {
            Thread writing = thread;
            // The write in progress holds the chunk that reaches the stream window: the credit is used up.
            return writing != null && written.get() + CHUNK >= STREAM_WINDOW &&
                (writing.getState() == Thread.State.WAITING || writing.getState() == Thread.State.TIMED_WAITING) &&
                Arrays.stream(writing.getStackTrace()).anyMatch(frame -> frame.getClassName().endsWith(".HttpOutput") && frame.getMethodName().equals("write"));
        }

        @Override
        public String toString()
        {
            Thread writing = thread;
            return written.get() / 1024 + " KiB written, servlet thread " + (writing == null ? "not started" : writing.getState());
        }
    }

    @Test
    void unreadResponseDoesNotHoldUpOtherStreams() throws Exception
    {
        Writer writer = new Writer();
        try (TestServer server = ReliabilitySupport.server(H3Options.builder()))
        {
            ((ServletContextHandler)server.server.getHandler()).addServlet(new ServletHolder(writer), "/endless");
            server.server.start();
            // Jetty's own client stops acknowledging while its application reads nothing (see AckingQuicheTransport).
            HttpClient client = TestClients.ackingHttp3Client(STREAM_WINDOW);
            try
            {
                assertEquals(HttpVersion.HTTP_3, client.GET(server.url("/protocol")).getVersion());
                // Read 64 KiB of an endless response, then neither read nor cancel: the stream's flow-control window
                // fills up and the server's write blocks.
                InputStreamResponseListener paused = new InputStreamResponseListener();
                client.newRequest(server.url("/endless")).timeout(60, TimeUnit.SECONDS).send(paused);
                assertEquals(200, paused.get(10, TimeUnit.SECONDS).getStatus());
                InputStream body = paused.getInputStream();
                assertEquals(READ, body.readNBytes(READ).length);
                // Blocked: the servlet's returned writes and the chunk of the write in progress make up a whole
                // stream window, its thread is parked inside that write, and the write makes no progress from one
                // look to the next (a write that is only waiting for the event loop moves on; one without credit
                // does not).
                long[] before = {-1};
                Await.await(() ->
                {
                    long now = writer.blocked() ? writer.written.get() : -1;
                    boolean stuck = now >= 0 && now == before[0];
                    before[0] = now;
                    return stuck;
                }, Duration.ofSeconds(30), Duration.ofMillis(500), () -> "the servlet's write to block on the paused stream: " + writer);

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
                    "request on a connection whose other response the client stopped reading (server write blocked, %s): %s after %.1f s", writer, outcome, seconds));
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
