package io.github.h3connector.jetty;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http3.api.Session;
import org.eclipse.jetty.http3.api.Stream;
import org.eclipse.jetty.http3.client.HTTP3Client;
import org.eclipse.jetty.http3.client.HTTP3ClientQuicConfiguration;
import org.eclipse.jetty.http3.frames.HeadersFrame;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.quic.quiche.client.QuicheClientQuicConfiguration;
import org.eclipse.jetty.quic.quiche.client.QuicheTransport;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.Invocable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Stream idle timeouts, both of them, with Jetty's HTTP/3 client on one QUIC connection: the HTTP/3 one (Jetty's
 * {@code HTTP3Configuration.streamIdleTimeout}, per request) and the QUIC one (the QUIC API's
 * {@code Stream.setIdleTimeout}, here through the request's {@code EndPoint}), which the engine sweeps. A stream that
 * times out ends; the connection and its next request go on; a stream that keeps reading or writing does not time out.
 */
@Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class StreamIdleTimeoutTest
{
    private static final long TIMEOUT_MS = 1000;
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int CHUNK = 1024;
    private static final int CHUNKS = 15;
    private static final long CHUNK_PAUSE_MS = 200;

    private final CompletableFuture<Throwable> uploadSaw = new CompletableFuture<>();
    private final CompletableFuture<Throwable> downloadSaw = new CompletableFuture<>();
    private final AtomicLong downloadMillis = new AtomicLong();
    private final QuicheClientQuicConfiguration quic = HTTP3ClientQuicConfiguration.configure(new QuicheClientQuicConfiguration());
    private final HTTP3Client client = new HTTP3Client(quic, TestClients.quicConnector());
    /** The server's RESET_STREAM: it sent nothing on the stream (the client's own, answering STOP_SENDING, has 42 bytes). */
    private static final String RESET_STREAM_0 = "{\"frame_type\":\"reset_stream\",\"stream_id\":0,\"error\":\"unknown\",\"error_code\":0,\"final_size\":0}";
    private static final String STOP_SENDING_0 = "{\"frame_type\":\"stop_sending\",\"stream_id\":0,\"error\":\"unknown\",\"error_code\":0}";
    @TempDir
    Path qlogDirectory;
    private TestServer server;

    @AfterEach
    void stop() throws Exception
    {
        LifeCycle.stop(client);
        if (server != null)
            server.close();
    }

    @Test
    void http3StreamIdleTimeoutFailsTheReadAndTheConnectionGoesOn() throws Exception
    {
        Session.Client session = connect(TIMEOUT_MS);
        Outcome upload = request(session, "POST", "/upload", false);

        Throwable seen = await(uploadSaw, "the servlet's read of a body that never ends to end");
        assertInstanceOf(IOException.class, seen, "what the servlet's read threw");
        assertEquals("idle timeout " + TIMEOUT_MS + " ms elapsed", timeout(seen).getMessage());
        // Jetty's HTTP/3 gives the timeout to the request being handled; its servlet threw, so Jetty answered 500.
        assertEquals(500, await(upload.status, "the response status of upload"));

        assertSecondRequestSucceeds(session);
    }

    @Test
    void quicStreamIdleTimeoutResetsTheStreamAndTheConnectionGoesOn() throws Exception
    {
        // The HTTP/3 timeout off: only the engine's QUIC stream timeout, which the servlet sets, can end the upload.
        Session.Client session = connect(0);
        Outcome upload = request(session, "POST", "/upload?quicIdleTimeout=" + TIMEOUT_MS, false);

        Throwable seen = await(uploadSaw, "the servlet's read of a body that never ends to end");
        assertInstanceOf(IOException.class, seen, "what the servlet's read threw");
        assertEquals("Idle timeout " + TIMEOUT_MS + " ms elapsed", timeout(seen).getMessage());
        // The server reset the stream: the client's read fails (Jetty's client reports its own error code, not the
        // one received), and no response came.
        Throwable failure = await(upload.failure, "the failure of upload");
        assertInstanceOf(EOFException.class, failure, "the client's read");
        assertTrue(failure.getMessage().contains("QUICHE_ERR_STREAM_RESET"), failure.getMessage());
        assertFalse(upload.status.isDone(), "no response on the reset stream");

        assertSecondRequestSucceeds(session);

        // On the wire, in the server's qlog (complete once the connection ended): STOP_SENDING and RESET_STREAM on
        // stream 0 with QUIC's NO_ERROR, as Jetty's own QUIC implementation sends them.
        client.stop();
        Await.await(() -> qlog().contains(RESET_STREAM_0) && qlog().contains(STOP_SENDING_0), WAIT,
            () -> "RESET_STREAM and STOP_SENDING for stream 0 in the server's qlog " + qlogFiles() + ": " + java.util.regex.Pattern.compile("\\{[^{}]*(reset_stream|stop_sending)[^{}]*\\}").matcher(qlog()).results().map(java.util.regex.MatchResult::group).toList());
    }

    private String qlog()
    {
        StringBuilder text = new StringBuilder();
        for (Path file : qlogFiles())
        {
            try
            {
                text.append(Files.readString(file));
            }
            catch (IOException x)
            {
                throw new UncheckedIOException(x);
            }
        }
        return text.toString().replace(" ", "");
    }

    private List<Path> qlogFiles()
    {
        try (java.util.stream.Stream<Path> files = Files.list(qlogDirectory))
        {
            return files.filter(file -> file.toString().endsWith(".sqlog")).toList();
        }
        catch (IOException x)
        {
            throw new UncheckedIOException(x);
        }
    }

    @Test
    void slowDownloadThatKeepsWritingIsNotTimedOutByHttp3() throws Exception
    {
        assertSlowDownloadCompletes(connect(TIMEOUT_MS), "/download");
    }

    @Test
    void slowDownloadThatKeepsWritingIsNotTimedOutByQuic() throws Exception
    {
        assertSlowDownloadCompletes(connect(0), "/download?quicIdleTimeout=" + TIMEOUT_MS);
    }

    private void assertSlowDownloadCompletes(Session.Client session, String path) throws Exception
    {
        Outcome download = request(session, "GET", path, true);
        assertEquals(200, await(download.status, "the response status of download"));
        assertEquals((long)CHUNK * CHUNKS, await(download.bytes, "the whole response content of download"));
        assertNull(await(downloadSaw, "the slow download's servlet to end"), "what the servlet's writes threw");
        // The scenario held: the whole response took longer than the timeout.
        assertTrue(downloadMillis.get() > TIMEOUT_MS, downloadMillis.get() + " ms");
        assertSecondRequestSucceeds(session);
    }

    private void assertSecondRequestSucceeds(Session.Client session) throws Exception
    {
        Outcome next = request(session, "GET", "/protocol", true);
        assertEquals(200, await(next.status, "the response status of next"));
        assertTrue(await(next.bytes, "the whole response content of next") > 0);
        assertNull(next.failure.getNow(null));
    }

    private static <T> T await(CompletableFuture<T> future, String what) throws Exception
    {
        try
        {
            return future.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        catch (java.util.concurrent.TimeoutException x)
        {
            throw new AssertionError("waited " + WAIT.toSeconds() + " s for " + what, x);
        }
    }

    private static Throwable timeout(Throwable seen)
    {
        Throwable cause = seen;
        while (cause != null && !(cause instanceof java.util.concurrent.TimeoutException))
            cause = cause.getCause();
        assertNotNull(cause, () -> "a TimeoutException in the causes of " + seen);
        return cause;
    }

    /** A server whose HTTP/3 stream idle timeout is {@code http3StreamIdleTimeout} (0: none), and a session to it. */
    private Session.Client connect(long http3StreamIdleTimeout) throws Exception
    {
        server = new TestServer(H3Options.builder().qlog(qlogDirectory, 16L << 20).streamIdleTimeout(Duration.ofMillis(http3StreamIdleTimeout)));
        ServletContextHandler context = (ServletContextHandler)server.server.getHandler();
        context.addServlet(new ServletHolder(new Upload()), "/upload");
        context.addServlet(new ServletHolder(new Download()), "/download");
        server.server.start();
        TestClients.withoutDynamicTable(client);
        client.start();
        CompletableFuture<Session.Client> connected = new CompletableFuture<>();
        client.connect(new QuicheTransport(quic), new InetSocketAddress("127.0.0.1", server.udpPort()), new Session.Client.Listener() {},
            Promise.Invocable.from(Invocable.InvocationType.NON_BLOCKING, connected::complete, connected::completeExceptionally));
        return connected.get(10, TimeUnit.SECONDS);
    }

    /** The QUIC stream idle timeout of this request's stream, when the request asks for one. */
    private static void quicIdleTimeout(HttpServletRequest request)
    {
        String value = request.getParameter("quicIdleTimeout");
        if (value != null)
            ServletContextRequest.getServletContextRequest(request).getConnectionMetaData().getConnection().getEndPoint().setIdleTimeout(Long.parseLong(value));
    }

    /** Reads the whole body: of a request whose body never ends, until the read fails. */
    private final class Upload extends HttpServlet
    {
        @Override
        protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException
        {
            quicIdleTimeout(request);
            try (InputStream in = request.getInputStream())
            {
                in.readAllBytes();
                uploadSaw.complete(null);
            }
            catch (Throwable x)
            {
                uploadSaw.complete(x);
                throw x;
            }
        }
    }

    /** Writes and flushes a small chunk every 200 ms, 3 s in all: busy, never idle for a whole timeout. */
    private final class Download extends HttpServlet
    {
        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
        {
            quicIdleTimeout(request);
            long start = System.nanoTime();
            try
            {
                response.setContentLengthLong((long)CHUNK * CHUNKS);
                OutputStream out = response.getOutputStream();
                for (int i = 0; i < CHUNKS; i++)
                {
                    out.write(new byte[CHUNK]);
                    out.flush();
                    ReliabilitySupport.sleep(CHUNK_PAUSE_MS);
                }
                downloadMillis.set(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                downloadSaw.complete(null);
            }
            catch (Throwable x)
            {
                downloadSaw.complete(x);
                throw x;
            }
        }
    }

    /** What became of one request, as Jetty's client saw it. */
    private record Outcome(CompletableFuture<Integer> status, CompletableFuture<Long> bytes, CompletableFuture<Throwable> failure, AtomicLong error)
    {
    }

    /** Sends a request; {@code last} false leaves its body open, with nothing ever sent on it. */
    private Outcome request(Session.Client session, String method, String path, boolean last)
    {
        Outcome outcome = new Outcome(new CompletableFuture<>(), new CompletableFuture<>(), new CompletableFuture<>(), new AtomicLong(-1));
        AtomicLong received = new AtomicLong();
        MetaData.Request request = new MetaData.Request(method, HttpURI.from(server.url(path)), HttpVersion.HTTP_3, HttpFields.EMPTY);
        session.newRequest(new HeadersFrame(request, last), new Stream.Client.Listener()
        {
            @Override
            public void onResponse(Stream.Client stream, HeadersFrame frame)
            {
                outcome.status().complete(((MetaData.Response)frame.getMetaData()).getStatus());
                if (frame.isLast())
                    outcome.bytes().complete(0L);
                else
                    stream.demand();
            }

            @Override
            public void onDataAvailable(Stream.Client stream)
            {
                while (true)
                {
                    Content.Chunk chunk = stream.read();
                    if (chunk == null)
                    {
                        stream.demand();
                        return;
                    }
                    received.addAndGet(chunk.remaining());
                    chunk.release();
                    if (Content.Chunk.isFailure(chunk))
                    {
                        outcome.failure().complete(chunk.getFailure());
                        return;
                    }
                    if (chunk.isLast())
                    {
                        outcome.bytes().complete(received.get());
                        return;
                    }
                }
            }

            @Override
            public void onFailure(Stream.Client stream, long error, Throwable failure)
            {
                outcome.error().set(error);
                outcome.failure().complete(failure);
            }
        }, Promise.Invocable.noop());
        return outcome;
    }
}
