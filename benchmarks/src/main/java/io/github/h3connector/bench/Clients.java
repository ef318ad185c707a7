package io.github.h3connector.bench;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.eclipse.jetty.http3.client.HTTP3Client;
import org.eclipse.jetty.http3.client.HTTP3ClientQuicConfiguration;
import org.eclipse.jetty.http3.client.transport.HttpClientTransportOverHTTP3;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.quic.quiche.client.QuicheClientQuicConfiguration;
import org.eclipse.jetty.quic.quiche.client.QuicheTransport;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/** Jetty's HTTP/1.1, HTTP/2 and HTTP/3 clients, and the measurements made with them; every body's SHA-256 is checked. */
final class Clients implements AutoCloseable
{
    /** The client's QUIC receive windows: large, so that the client's window is not what limits a download. */
    static final long CLIENT_SESSION_MAX_DATA = 64L << 20;
    static final long CLIENT_STREAM_MAX_DATA = 32L << 20;

    final HttpClient http1;
    final HttpClient http2;
    final HttpClient http3;
    /** The light HTTP/3 load generator of the "nh3" rows. */
    private final NettyH3Load nettyH3;

    Clients() throws Exception
    {
        http1 = new HttpClient(new HttpClientTransportOverHTTP(connector()));
        http2 = new HttpClient(new HttpClientTransportOverHTTP2(new HTTP2Client(connector())));
        QuicheClientQuicConfiguration quic = HTTP3ClientQuicConfiguration.configure(new QuicheClientQuicConfiguration());
        http3 = new HttpClient(new HttpClientTransportOverHTTP3(new HTTP3Client(quic, quicConnector()), new QuicheTransport(quic)));
        // Jetty 12.1.5's HTTP/3 client ignores the server's max_idle_timeout (30 s): with its own 60 s it kept a
        // connection the server had closed while other rows ran, and its next request failed ("connection was
        // released"). 20 s makes it close first.
        http3.setIdleTimeout(20_000);
        nettyH3 = new NettyH3Load();
        for (HttpClient client : new HttpClient[]{http1, http2, http3})
        {
            client.setFollowRedirects(false);
            client.setMaxRequestsQueuedPerDestination(4096);
            if (client != http3)
                client.setIdleTimeout(60_000);
            client.start();
        }
    }

    private static ClientConnector connector()
    {
        ClientConnector connector = new ClientConnector();
        connector.setSslContextFactory(new SslContextFactory.Client(true));
        return connector;
    }

    /**
     * A 4 MiB socket receive buffer for QUIC: with the default 208 KiB a server's burst can overflow a busy client's
     * socket, and Jetty 12.1.5's client then stalls the download (docs/RELIABILITY.md, "Downloads stalled").
     */
    private static ClientConnector quicConnector()
    {
        ClientConnector connector = connector();
        connector.setReceiveBufferSize(4 << 20);
        return connector;
    }

    HttpClient client(String protocol)
    {
        return switch (protocol)
        {
            case "h1" -> http1;
            case "h2" -> http2;
            case "h3" -> http3;
            default -> throw new IllegalArgumentException(protocol);
        };
    }

    /** Downloads {@code /bytes?n=length}, checks status, length and SHA-256; @return seconds */
    static double download(HttpClient client, String base, long length, String expectedSha256) throws Exception
    {
        MessageDigest digest = Pattern.sha256();
        AtomicLong received = new AtomicLong();
        CompletableFuture<Result> done = new CompletableFuture<>();
        long start = System.nanoTime();
        client.newRequest(base + "/bytes?n=" + length)
            .timeout(180, TimeUnit.SECONDS)
            .onResponseContent((response, content) ->
            {
                received.addAndGet(content.remaining());
                digest.update(content);
            })
            .send(done::complete);
        Result result = done.get(200, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (result.isFailed())
            throw new IllegalStateException("download of " + length + " bytes from " + base + " failed", result.getFailure());
        if (result.getResponse().getStatus() != 200 || received.get() != length)
            throw new IllegalStateException("download from " + base + ": status " + result.getResponse().getStatus() + ", " + received + " of " + length + " bytes");
        String sha = HexFormat.of().formatHex(digest.digest());
        if (!sha.equals(expectedSha256))
            throw new IllegalStateException("INTEGRITY FAILURE: download of " + length + " bytes from " + base + " has SHA-256 " + sha + ", expected " + expectedSha256);
        return seconds;
    }

    /** Uploads {@code body} to {@code /upload}, checks the SHA-256 the server computed; @return seconds */
    static double upload(HttpClient client, String base, byte[] body, String expectedSha256) throws Exception
    {
        long start = System.nanoTime();
        ContentResponse response = client.newRequest(base + "/upload").method(HttpMethod.POST)
            .timeout(180, TimeUnit.SECONDS)
            .body(new BytesRequestContent("application/octet-stream", body))
            .send();
        double seconds = (System.nanoTime() - start) / 1e9;
        String expected = expectedSha256 + " " + body.length;
        if (response.getStatus() != 200 || !response.getContentAsString().equals(expected))
            throw new IllegalStateException("INTEGRITY FAILURE: upload of " + body.length + " bytes to " + base + ": status " +
                response.getStatus() + ", server saw '" + response.getContentAsString() + "', expected '" + expected + "'");
        return seconds;
    }

    /**
     * Requests {@code /bytes?n=1024} for {@code seconds}, {@code concurrency} at a time (1: one after the other),
     * checking every body. @return {requests, elapsed seconds}
     */
    static double[] smallRequests(HttpClient client, String base, int concurrency, double seconds, String expectedSha256) throws Exception
    {
        String url = base + "/bytes?n=1024";
        long start = System.nanoTime();
        long deadline = start + (long)(seconds * 1e9);
        if (concurrency == 1)
        {
            long count = 0;
            while (System.nanoTime() < deadline)
            {
                ContentResponse response = client.newRequest(url).timeout(30, TimeUnit.SECONDS).send();
                check(response.getStatus(), response.getContent(), expectedSha256);
                count++;
            }
            return new double[]{count, (System.nanoTime() - start) / 1e9};
        }
        AtomicLong count = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch finished = new CountDownLatch(concurrency);
        for (int i = 0; i < concurrency; i++)
            next(client, url, deadline, expectedSha256, count, failure, finished);
        if (!finished.await((long)seconds + 60, TimeUnit.SECONDS))
            throw new IllegalStateException("small requests to " + base + " did not finish");
        double elapsed = (System.nanoTime() - start) / 1e9;
        if (failure.get() != null)
            throw new IllegalStateException("small requests to " + base + " failed", failure.get());
        return new double[]{count.get(), elapsed};
    }

    /**
     * One round of {@code GET /bytes?n=1024} for {@code seconds} with {@code concurrency} in flight, by the load
     * generator of a protocol key: "nh3" {@link NettyH3Load}, "h2load" nghttp2's, "h1" / "h2" / "h3" Jetty's client.
     *
     * @param base {@code https://host:port} of the server (the UDP port for "nh3" and "h3")
     * @return {count, elapsed s}
     */
    double[] smallRequests(String protocol, String base, int concurrency, double seconds, String expectedSha256) throws Exception
    {
        return switch (protocol)
        {
            case "nh3" -> nettyH3.smallRequests(java.net.URI.create(base).getPort(), concurrency, seconds, expectedSha256);
            case "h2load" -> h2load(base, concurrency, seconds);
            default -> smallRequests(client(protocol), base, concurrency, seconds, expectedSha256);
        };
    }

    /**
     * nghttp2's h2load, the light HTTP/2 counterpart of {@link NettyH3Load}: one connection, {@code concurrency}
     * streams, {@code GET /bytes?n=1024} for {@code seconds}; every response must be a 2xx: {count, elapsed s}.
     */
    static double[] h2load(String base, int concurrency, double seconds) throws Exception
    {
        Process process = new ProcessBuilder("h2load", "-c", "1", "-m", String.valueOf(concurrency), "-D", Math.round(seconds * 1000) + "ms",
            base + "/bytes?n=1024").redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor((long)seconds + 60, TimeUnit.SECONDS) || process.exitValue() != 0)
            throw new IllegalStateException("h2load failed: " + output);
        java.util.regex.Matcher done = java.util.regex.Pattern.compile("finished in ([0-9.]+)(m?s), .*\\n.*requests: \\d+ total, \\d+ started, (\\d+) done, (\\d+) succeeded").matcher(output);
        java.util.regex.Matcher status = java.util.regex.Pattern.compile("status codes: (\\d+) 2xx, (\\d+) 3xx, (\\d+) 4xx, (\\d+) 5xx").matcher(output);
        // h2load may count the status of a response still in flight at the deadline: 2xx can exceed "done" by a few.
        if (!done.find() || !status.find() || Long.parseLong(status.group(1)) < Long.parseLong(done.group(3)) || !done.group(3).equals(done.group(4))
            || !status.group(2).equals("0") || !status.group(3).equals("0") || !status.group(4).equals("0"))
            throw new IllegalStateException("h2load: not every request succeeded with a 2xx: " + output);
        double elapsed = Double.parseDouble(done.group(1)) / (done.group(2).equals("ms") ? 1000 : 1);
        return new double[]{Long.parseLong(done.group(3)), elapsed};
    }

    /** One chain of requests: each completion sends the next until the deadline. */
    private static void next(HttpClient client, String url, long deadline, String expectedSha256, AtomicLong count,
                             AtomicReference<Throwable> failure, CountDownLatch finished)
    {
        if (System.nanoTime() >= deadline || failure.get() != null)
        {
            finished.countDown();
            return;
        }
        client.newRequest(url).timeout(30, TimeUnit.SECONDS).send(new BufferingResponseListener(4096)
        {
            @Override
            public void onComplete(Result result)
            {
                try
                {
                    if (result.isFailed())
                        throw new IllegalStateException(result.getFailure());
                    check(result.getResponse().getStatus(), getContent(), expectedSha256);
                    count.incrementAndGet();
                }
                catch (Throwable x)
                {
                    failure.compareAndSet(null, x);
                }
                // Off the client's I/O thread, so that chains do not nest.
                client.getExecutor().execute(() -> next(client, url, deadline, expectedSha256, count, failure, finished));
            }
        });
    }

    private static void check(int status, byte[] content, String expectedSha256)
    {
        if (status != 200)
            throw new IllegalStateException("status " + status + ": " + new String(content, StandardCharsets.UTF_8));
        String sha = HexFormat.of().formatHex(Pattern.sha256().digest(content));
        if (!sha.equals(expectedSha256))
            throw new IllegalStateException("INTEGRITY FAILURE: 1 KiB body has SHA-256 " + sha + ", expected " + expectedSha256);
    }

    @Override
    public void close()
    {
        LifeCycle.stop(http1);
        LifeCycle.stop(http2);
        LifeCycle.stop(http3);
        try
        {
            nettyH3.close();
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
        }
    }

}
