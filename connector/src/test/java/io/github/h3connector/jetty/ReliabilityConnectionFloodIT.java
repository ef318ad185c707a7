package io.github.h3connector.jetty;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.jetty.client.RetryableRequestException;
import org.eclipse.jetty.http3.HTTP3ErrorCode;
import org.eclipse.jetty.http3.HTTP3Session;
import org.eclipse.jetty.http3.api.Session;
import org.eclipse.jetty.http3.client.HTTP3Client;
import org.eclipse.jetty.http3.client.HTTP3ClientQuicConfiguration;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.quic.quiche.client.QuicheClientQuicConfiguration;
import org.eclipse.jetty.quic.quiche.client.QuicheTransport;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.component.LifeCycle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A burst of QUIC (HTTP/3) handshakes, then connections held idle, with the server's idle timeout at 10 s: every
 * handshake completes, the idle connections are reclaimed, the open-connection count returns to 0, heap, threads and
 * file descriptors come back to the baseline, a legitimate client is served throughout, and the server stops.
 *
 * <p>Sizes: {@code reliability.flood.burst} (default 2,000) and {@code reliability.flood.idle} (default 1,000), issue 6's
 * target; about 3 minutes on a 2-core machine, where the 3,000 clients and the server share the CPU.
 */
@Timeout(value = 1800, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReliabilityConnectionFloodIT
{
    private static final int BURST = Integer.getInteger("reliability.flood.burst", 2000);
    private static final int IDLE = Integer.getInteger("reliability.flood.idle", 1000);
    /**
     * How long a burst of handshakes may take before the test calls it hung: a hang-stopper, not a speed check (how long
     * the burst took is reported, not asserted).
     */
    private static final Duration HANDSHAKES_HUNG = Duration.ofSeconds(480);
    /**
     * Short, to see idle connections reclaimed, but not shorter: while the burst keeps both cores busy, the legitimate
     * client's packets can wait in the socket's queue for seconds, and quiche counts idleness from the last packet it
     * processed (with 5 s, "legitimate request 2 failed ... idle_timeout" under a burst of 1,000 on a loaded machine).
     */
    private static final Duration SERVER_IDLE = Duration.ofSeconds(10);
    /** The legitimate client's connection, open while it sends a request every 100 ms. */
    private static final int LEGITIMATE = 1;

    @Test
    void handshakeBurstAndIdleConnectionsAreReclaimed() throws Exception
    {
        try (TestServer server = ReliabilitySupport.started(H3Options.builder().idleTimeout(SERVER_IDLE)); TestClients legit = new TestClients())
        {
            HTTP3Client warm = client();
            closeAndStop(warm, connect(warm, server, 10, ReliabilitySupport.socketDrops(server.udpPort())));
            awaitOpen(server, 0, 20);
            ReliabilitySupport.Resources baseline = ReliabilitySupport.Resources.now();
            // The legitimate client's connection opens now and is kept busy from here on: opened earlier, it would
            // idle out while the warm-up connections close, and its first request could race the server's close.
            assertEquals(200, legit.http3.GET(server.url("/protocol")).getStatus());

            // The legitimate client, every 100 ms throughout.
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger served = new AtomicInteger();
            AtomicLong slowest = new AtomicLong();
            AtomicLong peakOpen = new AtomicLong();
            AtomicInteger retried = new AtomicInteger();
            long kernelDropsBefore = ReliabilitySupport.socketDrops(server.udpPort());
            CompletableFuture<Void> legitimate = CompletableFuture.runAsync(() ->
            {
                while (running.get())
                {
                    long t = System.nanoTime();
                    try
                    {
                        int status;
                        try
                        {
                            status = legit.http3.newRequest(server.url("/protocol")).timeout(30, TimeUnit.SECONDS).send().getStatus();
                        }
                        catch (ExecutionException x)
                        {
                            // The server's GOAWAY said the request was not processed (RFC 9114 section 5.2): a client
                            // retries such a request, once, as browsers do.
                            if (!(x.getCause() instanceof RetryableRequestException))
                                throw x;
                            retried.incrementAndGet();
                            status = legit.http3.newRequest(server.url("/protocol")).timeout(30, TimeUnit.SECONDS).send().getStatus();
                        }
                        if (status != 200)
                            throw new IllegalStateException("not 200");
                    }
                    catch (Exception x)
                    {
                        throw new IllegalStateException("legitimate request " + served.get() + " failed", x);
                    }
                    slowest.accumulateAndGet(System.nanoTime() - t, Math::max);
                    peakOpen.accumulateAndGet(server.h3.statistics().getOpenQuicConnections(), Math::max);
                    served.incrementAndGet();
                    ReliabilitySupport.sleep(100);
                }
            });

            // 2,000 handshakes in one burst.
            HTTP3Client burstClient = client();
            long start = System.nanoTime();
            List<Session.Client> burst = connect(burstClient, server, BURST, kernelDropsBefore);
            double burstSeconds = (System.nanoTime() - start) / 1e9;
            long openAfterBurst = server.h3.statistics().getOpenQuicConnections();
            closeAndStop(burstClient, burst);
            double reclaimBurst = awaitOpen(server, LEGITIMATE, 120, legitimate);

            // 1,000 connections, held idle past the server's idle timeout.
            HTTP3Client idleClient = client();
            peakOpen.set(0);
            List<Session.Client> idle = connect(idleClient, server, IDLE, kernelDropsBefore);
            long openIdle = server.h3.statistics().getOpenQuicConnections();
            long peakOpenIdle = peakOpen.get();
            long heapWithIdle = ReliabilitySupport.heapAfterGc();
            start = System.nanoTime();
            double reclaimIdle = awaitOpen(server, LEGITIMATE, 120, legitimate);
            closeAndStop(idleClient, idle);

            running.set(false);
            legitimate.get(60, TimeUnit.SECONDS);
            awaitOpen(server, 0, 30);
            ReliabilitySupport.Resources end = ReliabilitySupport.awaitBaseline(baseline, 32L << 20, 8, 8, 30);
            // The lower of the heaps before and after: in a shared test JVM the baseline may still hold what an
            // earlier test is releasing (150 MiB once in CI, 30 MiB at the end).
            long heapWithout = Math.min(baseline.heapBytes(), end.heapBytes());
            ReliabilitySupport.figure("connection-flood", String.format(
                "burst of %d QUIC handshakes completed in %.1f s (%d open at the end of the burst), all reclaimed %.1f s later; " +
                "%d idle connections (%d open on the server once all had connected, at most %d seen while connecting), heap after GC with them %.1f MiB (without %.1f MiB, %.1f KiB per connection incl. client side), " +
                "reclaimed by the %d s idle timeout after %.1f s; legitimate client: %d requests, all 200 (%d retried once after a GOAWAY said not processed), slowest %.2f s; " +
                "%s; open QUIC connections at the end %d; " +
                "baseline %s, after %s",
                BURST, burstSeconds, openAfterBurst, reclaimBurst, IDLE, openIdle, peakOpenIdle, heapWithIdle / 1048576.0, heapWithout / 1048576.0,
                (heapWithIdle - heapWithout) / 1024.0 / IDLE, SERVER_IDLE.toSeconds(), reclaimIdle, served.get(), retried.get(), slowest.get() / 1e9, queueFigure(server, kernelDropsBefore),
                server.h3.statistics().getOpenQuicConnections(), baseline, end));
            assertEquals(0, server.h3.statistics().getOpenQuicConnections());
            assertTrue(served.get() > 0);
            long stopStart = System.nanoTime();
            server.server.stop();
            ReliabilitySupport.figure("connection-flood", String.format("server stop took %.2f s", (System.nanoTime() - stopStart) / 1e9));
            assertTrue(server.server.isStopped());
            assertTrue(heapWithIdle - heapWithout < 512L * 1024 * IDLE, "heap per idle connection under 512 KiB");
            assertTrue(ReliabilitySupport.within(baseline, end, 32L << 20, 8, 8), "resources back to baseline: before " + baseline + ", after " + end);
        }
    }

    private static HTTP3Client client() throws Exception
    {
        ClientConnector connector = TestClients.connector();
        connector.setConnectTimeout(HANDSHAKES_HUNG);
        connector.setIdleTimeout(Duration.ofSeconds(120));
        QuicheClientQuicConfiguration quic = HTTP3ClientQuicConfiguration.configure(new QuicheClientQuicConfiguration());
        HTTP3Client client = new HTTP3Client(quic, connector);
        TestClients.withoutDynamicTable(client);
        client.addBean(quic);
        client.start();
        return client;
    }

    /**
     * Closes every session at once, then stops the client. Jetty 12.1.5's client stop closes its QUIC connections one
     * after another with a blocking close on its selector thread, and a close that does not complete (seen for
     * connections the server had closed at its idle timeout) holds the stop until the client's idle timeout, per
     * connection: with hundreds of connections the stop never returns in practice. Empties {@code sessions}: kept,
     * 3,000 closed client sessions held 34 MiB of heap past the end of the test.
     */
    private static void closeAndStop(HTTP3Client client, List<Session.Client> sessions) throws Exception
    {
        List<CompletableFuture<Void>> closes = new ArrayList<>();
        for (Session.Client session : sessions)
        {
            CompletableFuture<Void> closed = new CompletableFuture<>();
            ((HTTP3Session)session).close(HTTP3ErrorCode.NO_ERROR.code(), "done", Promise.Invocable.from(org.eclipse.jetty.util.thread.Invocable.InvocationType.NON_BLOCKING, ignored -> closed.complete(null), closed::completeExceptionally));
            closes.add(closed);
        }
        try
        {
            CompletableFuture.allOf(closes.toArray(CompletableFuture[]::new)).handle((r, x) -> null).get(60, TimeUnit.SECONDS);
        }
        catch (TimeoutException x)
        {
            // Jetty's client does not complete the close of a session the server already closed at its idle timeout.
            // The server side, which this test checks, is measured after the client has stopped.
            ReliabilitySupport.figure("connection-flood", closes.stream().filter(c -> !c.isDone()).count() + " of " + closes.size() +
                " client-side closes did not complete within 60 s (sessions the server had closed at its idle timeout)");
        }
        sessions.clear();
        LifeCycle.stop(client);
    }

    /**
     * Opens {@code count} QUIC connections at once; every one must complete its handshake. On failure the message says
     * how many did, when, and why the others did not.
     */
    private static List<Session.Client> connect(HTTP3Client client, TestServer server, int count, long kernelDropsBefore) throws Exception
    {
        QuicheTransport transport = new QuicheTransport((QuicheClientQuicConfiguration)client.getClientQuicConfiguration());
        long start = System.nanoTime();
        List<CompletableFuture<Session.Client>> futures = new ArrayList<>();
        long[] completedNanos = new long[count];
        for (int i = 0; i < count; i++)
        {
            int index = i;
            CompletableFuture<Session.Client> future = new CompletableFuture<>();
            future.thenRun(() -> completedNanos[index] = System.nanoTime() - start);
            client.connect(transport, new InetSocketAddress("127.0.0.1", server.udpPort()), new Session.Client.Listener() { }, Promise.Invocable.toPromise(future));
            futures.add(future);
        }
        try
        {
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).handle((r, x) -> null).get(HANDSHAKES_HUNG.toSeconds() + 10, TimeUnit.SECONDS);
        }
        catch (TimeoutException x)
        {
            // Counted below as not completed, with the figures that explain it.
        }
        List<Session.Client> sessions = new ArrayList<>();
        Map<String, Integer> failures = new TreeMap<>();
        for (CompletableFuture<Session.Client> future : futures)
        {
            if (!future.isDone())
                failures.merge("not completed after " + (HANDSHAKES_HUNG.toSeconds() + 10) + " s", 1, Integer::sum);
            else if (future.isCompletedExceptionally())
                failures.merge(future.handle((r, x) -> String.valueOf(x.getCause() != null ? x.getCause() : x)).join(), 1, Integer::sum);
            else
                sessions.add(future.join());
        }
        if (!failures.isEmpty())
        {
            long[] times = Arrays.stream(completedNanos).filter(t -> t > 0).sorted().toArray();
            throw new AssertionError(String.format("%d of %d handshakes failed %s; the %d that completed took %s s (median, 90th percentile, last); " +
                "%s; server: %d connections opened, %s",
                count - sessions.size(), count, failures, times.length, times.length == 0 ? "-" : String.format("%.1f, %.1f, %.1f",
                    times[times.length / 2] / 1e9, times[times.length * 9 / 10] / 1e9, times[times.length - 1] / 1e9),
                queueFigure(server, kernelDropsBefore), server.h3.statistics().getQuicConnections(), server.h3.statistics()));
        }
        return sessions;
    }

    /** What the server's socket queue went through since {@code kernelDropsBefore}. */
    private static String queueFigure(TestServer server, long kernelDropsBefore) throws java.io.IOException
    {
        return "datagrams dropped by the kernel at the server socket " + ReliabilitySupport.socketDropsSince(server.udpPort(), kernelDropsBefore);
    }

    /** Waits until the server counts {@code expected} open QUIC connections; returns the seconds waited. */
    private static double awaitOpen(TestServer server, long expected, int seconds)
    {
        long start = System.nanoTime();
        Await.await(() -> server.h3.statistics().getOpenQuicConnections() == expected, Duration.ofSeconds(seconds),
            () -> expected + " open QUIC connections, " + server.h3.statistics().getOpenQuicConnections() + " open");
        return (System.nanoTime() - start) / 1e9;
    }

    /** As {@link #awaitOpen(TestServer, long, int)}, counting the legitimate client's connection: its failure, if any, first. */
    private static double awaitOpen(TestServer server, long expected, int seconds, CompletableFuture<Void> legitimate)
    {
        long start = System.nanoTime();
        Await.await(() -> server.h3.statistics().getOpenQuicConnections() == expected || legitimate.isDone(), Duration.ofSeconds(seconds),
            () -> expected + " open QUIC connections, " + server.h3.statistics().getOpenQuicConnections() + " open");
        if (legitimate.isDone())
            legitimate.join(); // the legitimate client stopped: its failure is the finding
        return awaitOpen(server, expected, 1) + (System.nanoTime() - start) / 1e9;
    }
}
