package io.github.h3connector.jetty;

import java.io.IOException;
import java.io.InputStream;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.util.component.LifeCycle;

/**
 * The soak of issue 6, outside the test run: mixed HTTP/1.1, HTTP/2 and HTTP/3 traffic against one server for a number
 * of seconds, with a client that abandons a download mid-stream every few requests. Every minute it prints heap after
 * GC, threads, file descriptors and open QUIC connections; at the end it fails (exit 1) on any error response, any
 * failed HTTP/1.1 or HTTP/2 request, an HTTP/3 worker that did not recover with a new client after its connection
 * broke, open QUIC connections after the idle timeout, or when heap, threads or descriptors did not come back near the
 * first minute's figures. HTTP/3 requests lost with a broken connection are counted and printed: Jetty's HTTP/3 client
 * breaks its connections after about 16 MiB of abandoned downloads (see docs/RELIABILITY.md, "Soak").
 *
 * <p>With a second argument, the port of a server in another JVM ({@code ReliabilityServerMain 5000}), it only runs the
 * clients.
 *
 * <pre>
 * mvn -q -pl connector test-compile dependency:build-classpath -Dmdep.outputFile=target/soak-classpath.txt -Dmdep.includeScope=test
 * java -cp "connector/target/test-classes:connector/target/classes:$(cat connector/target/soak-classpath.txt)" \
 *     io.github.h3connector.jetty.SoakMain 600
 * </pre>
 */
public final class SoakMain
{
    private SoakMain()
    {
    }

    public static void main(String[] args) throws Exception
    {
        long seconds = args.length > 0 ? Long.parseLong(args[0]) : 600;
        // Optional: the port of a server in another JVM, to tell client from server faults.
        TestServer server = args.length > 1 ? null : ReliabilitySupport.started(H3Options.builder().idleTimeout(java.time.Duration.ofSeconds(5)));
        String base = "https://localhost:" + (server == null ? Integer.parseInt(args[1]) : server.port());
        TestClients clients = new TestClients();
        AtomicLong requests = new AtomicLong();
        AtomicLong abandoned = new AtomicLong();
        AtomicLong errorResponses = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        AtomicLong http1And2Failures = new AtomicLong();
        AtomicLong http3ClientsReplaced = new AtomicLong();
        AtomicLong http3WorkersNotRecovered = new AtomicLong();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        ExecutorService load = Executors.newFixedThreadPool(6);
        for (int worker = 0; worker < 6; worker++)
        {
            int protocol = worker % 3;
            boolean abandoning = worker >= 3;
            load.submit(() ->
            {
                // Each HTTP/3 worker is one browser with its own QUIC connections; HTTP/1.1 and HTTP/2 share clients.
                HttpClient client = protocol == 0 ? clients.http1 : protocol == 1 ? clients.http2 : TestClients.http3Client();
                boolean replaced = false;
                long completedSinceReplacement = 0;
                for (long i = 0; System.nanoTime() < end; i++)
                {
                    try
                    {
                        if (abandoning && i % 5 == 0)
                        {
                            // Read 256 KiB of a 4 MiB body, then close the stream: the client cancels the response
                            // (HTTP/2 RST_STREAM, HTTP/3 STOP_SENDING) and the server must clean up.
                            InputStreamResponseListener listener = new InputStreamResponseListener();
                            client.newRequest(base + "/bytes?mib=4&seed=" + i).timeout(30, TimeUnit.SECONDS).send(listener);
                            var response = listener.get(30, TimeUnit.SECONDS);
                            if (response.getStatus() != 200)
                                errorResponses.incrementAndGet();
                            // getInputStream() hands out the body once; a second call returns an empty, closed stream.
                            try (InputStream body = listener.getInputStream())
                            {
                                if (body.readNBytes(256 * 1024).length != 256 * 1024)
                                    throw new IOException("body ended before 256 KiB");
                            }
                            abandoned.incrementAndGet();
                        }
                        else
                        {
                            ContentResponse response = client.newRequest(base + (i % 2 == 0 ? "/protocol" : "/bytes?mib=0.0625&seed=" + i))
                                .timeout(30, TimeUnit.SECONDS).send();
                            if (response.getStatus() != 200)
                                errorResponses.incrementAndGet();
                        }
                        requests.incrementAndGet();
                        completedSinceReplacement++;
                    }
                    catch (Throwable x)
                    {
                        failures.incrementAndGet();
                        System.out.println(LocalTime.now() + " failure (" + client.getTransport().getClass().getSimpleName() +
                            (abandoning && i % 5 == 0 ? ", abandoned download" : "") + "): " + x);
                        if (protocol == 2)
                        {
                            // What a browser does when a connection breaks: new connections for the next requests.
                            // Jetty's client breaks its own: it keeps no flow-control credit for the bytes of streams
                            // it stopped reading, so after ~16 MiB of abandoned downloads (its connection window) the
                            // server may send nothing more on that connection, which then idles out.
                            LifeCycle.stop(client);
                            client = TestClients.http3Client();
                            http3ClientsReplaced.incrementAndGet();
                            replaced = true;
                            completedSinceReplacement = 0;
                        }
                        else
                        {
                            http1And2Failures.incrementAndGet();
                        }
                    }
                }
                if (protocol == 2)
                    LifeCycle.stop(client);
                if (replaced && completedSinceReplacement == 0)
                    http3WorkersNotRecovered.incrementAndGet();
                return null;
            });
        }
        List<ReliabilitySupport.Resources> samples = new ArrayList<>();
        long started = System.nanoTime();
        while (System.nanoTime() < end)
        {
            Thread.sleep(Math.min(60_000, Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))));
            ReliabilitySupport.Resources now = ReliabilitySupport.Resources.now();
            samples.add(now);
            System.out.printf("%4d s: %s, %d requests, %d abandoned mid-stream, %d error responses, %d failed requests, %d HTTP/3 clients replaced, %d open QUIC connections%n",
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started), now, requests.get(), abandoned.get(), errorResponses.get(), failures.get(),
                http3ClientsReplaced.get(),
                server == null ? -1 : server.h3.statistics().getOpenQuicConnections());
        }
        load.shutdown();
        load.awaitTermination(60, TimeUnit.SECONDS);
        clients.close();
        Thread.sleep(7_000); // past the 5 s idle timeout: abandoned connections must be reclaimed
        ReliabilitySupport.Resources after = ReliabilitySupport.Resources.now();
        ReliabilitySupport.Resources first = samples.get(0);
        long openQuic = server == null ? 0 : server.h3.statistics().getOpenQuicConnections();
        if (server != null)
            server.close();
        ReliabilitySupport.Resources last = samples.get(samples.size() - 1);
        String verdict = String.format("soak %d s: %d requests (%d abandoned mid-stream), %d error responses, %d failed requests " +
                "(%d on HTTP/1.1 or HTTP/2), %d HTTP/3 clients replaced (%d did not recover); " +
                "first sample %s; last sample %s; after the clients closed %s, %d open QUIC connections",
            seconds, requests.get(), abandoned.get(), errorResponses.get(), failures.get(), http1And2Failures.get(), http3ClientsReplaced.get(),
            http3WorkersNotRecovered.get(), first, last, after, openQuic);
        System.out.println(verdict);
        ReliabilitySupport.figure("soak", verdict);
        boolean flat = after.heapBytes() < first.heapBytes() + (32L << 20) && after.threads() <= first.threads() + 10 && after.fds() <= first.fds() + 20;
        // HTTP/3 requests lost with a connection the Jetty client broke count as failed requests, but do not fail the
        // soak as long as a new client carried on; error responses, HTTP/1.1 or HTTP/2 failures and leaks do.
        boolean ok = errorResponses.get() == 0 && http1And2Failures.get() == 0 && http3WorkersNotRecovered.get() == 0 && openQuic == 0 && flat;
        System.exit(ok ? 0 : 1);
    }
}
