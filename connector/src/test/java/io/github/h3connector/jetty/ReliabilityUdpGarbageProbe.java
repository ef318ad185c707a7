package io.github.h3connector.jetty;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import org.eclipse.jetty.http.HttpVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 1,000,000 hostile datagrams at the QUIC port from several sender threads, mixing random bytes, truncated and mutated
 * copies of a real client Initial (captured from Jetty's HTTP/3 client), unknown versions, oversized (up to 65,507
 * bytes) and zero-length datagrams, while legitimate HTTP/3 requests run alongside on an existing connection and on
 * new ones. Every legitimate request succeeds; afterwards heap (after GC), threads and file descriptors come back to
 * their baseline.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReliabilityUdpGarbageProbe
{
    private static final int DATAGRAMS = Integer.getInteger("reliability.garbage", 1_000_000);
    private static final int SENDERS = 2;
    private static final String[] KINDS = {"random", "truncated Initial", "mutated Initial", "unknown version", "zero-length",
        "random short header", "random long header", "oversized"};

    @Test
    void millionHostileDatagramsWhileServing() throws Exception
    {
        byte[] initial = captureInitial();
        try (TestServer server = ReliabilitySupport.started(H3Options.builder()); TestClients clients = new TestClients())
        {
            assertEquals(HttpVersion.HTTP_3, clients.http3.GET(server.url("/protocol")).getVersion());
            try (TestClients warm = new TestClients())
            {
                warm.http3.GET(server.url("/protocol"));
            }
            ReliabilitySupport.Resources baseline = ReliabilitySupport.Resources.now();

            AtomicLongArray perKind = new AtomicLongArray(KINDS.length);
            AtomicLong sent = new AtomicLong();
            long start = System.nanoTime();
            List<CompletableFuture<Void>> senders = new ArrayList<>();
            for (int s = 0; s < SENDERS; s++)
            {
                int sender = s;
                senders.add(CompletableFuture.runAsync(() -> flood(server.udpPort(), initial, sender, DATAGRAMS / SENDERS, perKind, sent)));
            }
            CompletableFuture<Void> flood = CompletableFuture.allOf(senders.toArray(CompletableFuture[]::new));
            int legitimate = 0;
            int fresh = 0;
            long slowest = 0;
            while (!flood.isDone())
            {
                long t = System.nanoTime();
                assertEquals(200, clients.http3.newRequest(server.url("/protocol")).timeout(30, TimeUnit.SECONDS).send().getStatus(), "request " + legitimate + " during the flood");
                legitimate++;
                if (legitimate % 20 == 0)
                {
                    try (TestClients newConnection = new TestClients())
                    {
                        assertEquals(HttpVersion.HTTP_3, newConnection.http3.newRequest(server.url("/protocol")).timeout(30, TimeUnit.SECONDS).send().getVersion(),
                            "new connection " + fresh + " during the flood");
                        fresh++;
                    }
                }
                slowest = Math.max(slowest, System.nanoTime() - t);
            }
            flood.get();
            double seconds = (System.nanoTime() - start) / 1e9;
            try (TestClients after = new TestClients())
            {
                assertEquals(HttpVersion.HTTP_3, after.http3.newRequest(server.url("/protocol")).timeout(10, TimeUnit.SECONDS).send().getVersion());
            }
            assertEquals(200, clients.http3.newRequest(server.url("/protocol")).timeout(10, TimeUnit.SECONDS).send().getStatus());
            assertTrue(server.server.isRunning() && server.h3.quicConnector().isRunning());

            ReliabilitySupport.Resources peak = new ReliabilitySupport.Resources(0, java.lang.management.ManagementFactory.getThreadMXBean().getPeakThreadCount(), 0);
            ReliabilitySupport.Resources end = ReliabilitySupport.awaitBaseline(baseline, 32L << 20, 8, 8, 30);
            StringBuilder kinds = new StringBuilder();
            for (int k = 0; k < KINDS.length; k++)
                kinds.append(k == 0 ? "" : ", ").append(KINDS[k]).append(' ').append(perKind.get(k));
            ReliabilitySupport.figure("udp-garbage", String.format(
                "%d hostile datagrams (%s) from %d threads in %.1f s (%.0f/s); %d legitimate requests on the existing connection and %d on new connections alongside, all 200, slowest %.2f s; " +
                "guard dropped %d; baseline %s, after %s (peak threads %d)",
                sent.get(), kinds, SENDERS, seconds, sent.get() / seconds, legitimate, fresh, slowest / 1e9,
                server.h3.statistics().getDroppedDatagrams(), baseline, end, peak.threads()));
            assertTrue(ReliabilitySupport.within(baseline, end, 32L << 20, 8, 8), "resources back to baseline: before " + baseline + ", after " + end);
            assertEquals(DATAGRAMS / SENDERS * SENDERS, sent.get());
        }
    }

    /** The first datagram of a real HTTP/3 connection attempt: Jetty's client pointed at a socket of ours. */
    static byte[] captureInitial() throws Exception
    {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0)); TestClients clients = new TestClients())
        {
            socket.setSoTimeout(10_000);
            clients.http3.newRequest("https://127.0.0.1:" + socket.getLocalPort() + "/").timeout(3, TimeUnit.SECONDS).send(result -> { });
            DatagramPacket packet = new DatagramPacket(new byte[65535], 65535);
            socket.receive(packet);
            byte[] initial = Arrays.copyOf(packet.getData(), packet.getLength());
            assertTrue((initial[0] & 0xF0) == 0xC0 && initial.length >= 1200, "captured a QUIC Initial of " + initial.length + " bytes");
            return initial;
        }
    }

    private static void flood(int port, byte[] initial, int sender, int count, AtomicLongArray perKind, AtomicLong sent)
    {
        SplittableRandom random = new SplittableRandom(20261126L + sender);
        byte[] buffer = new byte[65507];
        try (DatagramChannel channel = DatagramChannel.open())
        {
            channel.connect(new InetSocketAddress("127.0.0.1", port));
            for (int i = 0; i < count; i++)
            {
                int kind = i % 64 == 63 ? 7 : i % 7;
                int length = datagram(kind, random, initial, buffer);
                channel.write(ByteBuffer.wrap(buffer, 0, length));
                perKind.incrementAndGet(kind);
                sent.incrementAndGet();
            }
        }
        catch (java.io.IOException x)
        {
            throw new java.io.UncheckedIOException(x);
        }
    }

    /** Fills {@code buffer} with one hostile datagram of the given kind; returns its length. */
    private static int datagram(int kind, SplittableRandom random, byte[] initial, byte[] buffer)
    {
        switch (kind)
        {
            case 0 ->
            {
                int length = random.nextInt(1501);
                randomBytes(random, buffer, 0, length);
                return length;
            }
            case 1 ->
            {
                int length = 1 + random.nextInt(initial.length - 1);
                System.arraycopy(initial, 0, buffer, 0, length);
                return length;
            }
            case 2 ->
            {
                System.arraycopy(initial, 0, buffer, 0, initial.length);
                int flips = 1 + random.nextInt(8);
                for (int f = 0; f < flips; f++)
                {
                    // Half of the mutations in the header (first 48 bytes), half anywhere.
                    int at = random.nextBoolean() ? random.nextInt(48) : random.nextInt(initial.length);
                    buffer[at] = (byte)random.nextInt(256);
                }
                return initial.length;
            }
            case 3 ->
            {
                System.arraycopy(initial, 0, buffer, 0, initial.length);
                int version;
                do
                {
                    version = random.nextInt();
                }
                while (version == 1 || version == 0);
                ByteBuffer.wrap(buffer).putInt(1, version);
                int length = random.nextBoolean() ? initial.length : 7 + random.nextInt(initial.length - 7);
                return length;
            }
            case 4 ->
            {
                return 0;
            }
            case 5 ->
            {
                int length = 1 + random.nextInt(1400);
                randomBytes(random, buffer, 0, length);
                buffer[0] = (byte)(0x40 | (buffer[0] & 0x3F));
                return length;
            }
            case 6 ->
            {
                int length = 7 + random.nextInt(1400);
                randomBytes(random, buffer, 0, length);
                buffer[0] = (byte)(0xC0 | (buffer[0] & 0x3F));
                ByteBuffer.wrap(buffer).putInt(1, 1);
                buffer[5] = (byte)random.nextInt(24);
                return length;
            }
            default ->
            {
                int length = 1501 + random.nextInt(65507 - 1500);
                randomBytes(random, buffer, 0, Math.min(length, 2048));
                if (random.nextBoolean())
                    System.arraycopy(initial, 0, buffer, 0, initial.length);
                return length;
            }
        }
    }

    private static void randomBytes(SplittableRandom random, byte[] buffer, int from, int length)
    {
        for (int i = from; i < from + length; i++)
            buffer[i] = (byte)random.nextInt(256);
    }
}
