package io.github.h3connector.jetty;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Small writes complete before quiche takes them (the engine copies them, so that HEADERS and a short body leave in
 * one packet without a round trip through the event loop), but only a bounded amount per stream: a servlet that
 * flushes 100-byte writes to a client that reads nothing blocks once the stream's flow-control window and that bound
 * are full, and every byte still arrives, in order, once the client reads.
 */
@Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SmallWritesBackPressureTest
{
    private static final int STREAM_WINDOW = 256 * 1024;
    private static final int TOTAL = 4_000_000;
    private static final int WRITE = 100;

    private final AtomicLong written = new AtomicLong();
    private final AtomicReference<Thread> writer = new AtomicReference<>();

    @Test
    void flushedSmallWritesBlockAtTheStreamWindow() throws Exception
    {
        TestServer server = new TestServer(H3Options.builder());
        ((ServletContextHandler)server.server.getHandler()).addServlet(new ServletHolder(new DripServlet()), "/drip");
        server.server.start();
        try (server)
        {
            HttpClient client = TestClients.ackingHttp3Client(STREAM_WINDOW);
            try
            {
                InputStreamResponseListener paused = new InputStreamResponseListener();
                client.newRequest(server.url("/drip")).timeout(80, TimeUnit.SECONDS).send(paused);
                assertEquals(200, paused.get(10, TimeUnit.SECONDS).getStatus());

                long blockedAt = awaitBlockedWriter();
                // The window in stream bytes (each 100-byte write is a DATA frame of 102), the engine's 16 KiB of
                // early-completed writes, and Jetty's own response buffer.
                assertTrue(blockedAt <= STREAM_WINDOW + 16 * 1024 + 32 * 1024,
                    "the servlet wrote " + blockedAt + " bytes to a client that reads nothing");
                assertTrue(blockedAt >= STREAM_WINDOW / 2, "the servlet blocked after only " + blockedAt + " bytes");

                try (InputStream body = paused.getInputStream())
                {
                    byte[] all = body.readAllBytes();
                    assertEquals(TOTAL, all.length);
                    for (int i = 0; i < all.length; i++)
                    {
                        if (all[i] != pattern(i))
                            throw new AssertionError("byte " + i + " is " + all[i] + ", expected " + pattern(i));
                    }
                }
            }
            finally
            {
                client.stop();
            }
        }
    }

    /** Waits until the servlet's thread is parked in a write and its count stays put; returns the count. */
    private long awaitBlockedWriter() throws InterruptedException
    {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long last = -1;
        while (System.nanoTime() < deadline)
        {
            Thread thread = writer.get();
            long now = written.get();
            if (thread != null && now == last && now < TOTAL &&
                (thread.getState() == Thread.State.WAITING || thread.getState() == Thread.State.TIMED_WAITING))
                return now;
            last = now;
            Thread.sleep(300);
        }
        throw new AssertionError("the servlet never blocked writing to a client that reads nothing: wrote " + written.get() + " of " + TOTAL);
    }

    private static byte pattern(long index)
    {
        return (byte)(index * 31 + (index >>> 8));
    }

    private final class DripServlet extends HttpServlet
    {
        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
        {
            writer.set(Thread.currentThread());
            response.setContentLength(TOTAL);
            ServletOutputStream out = response.getOutputStream();
            byte[] chunk = new byte[WRITE];
            for (int offset = 0; offset < TOTAL; offset += WRITE)
            {
                for (int i = 0; i < WRITE; i++)
                    chunk[i] = pattern(offset + i);
                out.write(chunk);
                out.flush();
                written.addAndGet(WRITE);
            }
        }
    }
}
