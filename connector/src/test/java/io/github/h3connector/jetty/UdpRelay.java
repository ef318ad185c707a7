package io.github.h3connector.jetty;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;

/**
 * A UDP relay on loopback between clients and one or more servers: the clients send to {@link #port()}, the relay sends
 * each datagram on to the server its route picks (from a socket of its own per server) and each server's datagrams back
 * to the last client address it routed to that server. Each direction passes a {@link Step} that may change or drop
 * the datagram; the relay counts what it receives from and sends to each server.
 */
final class UdpRelay implements AutoCloseable
{
    private static final InetSocketAddress ANY = new InetSocketAddress("127.0.0.1", 0);

    private final DatagramSocket front = new DatagramSocket(ANY);
    private final List<Backend> backends = new ArrayList<>();
    private final ToIntFunction<SocketAddress> route;
    private final Step toServer;
    private final Step toClient;
    private final List<Thread> pumps = new ArrayList<>();

    private UdpRelay(int[] serverPorts, ToIntFunction<SocketAddress> route, Step toServer, Step toClient) throws IOException
    {
        this.route = route;
        this.toServer = toServer;
        this.toClient = toClient;
        for (int port : serverPorts)
            backends.add(new Backend(new InetSocketAddress("127.0.0.1", port)));
        pumps.add(new Thread(this::up, "relay-up"));
        for (Backend backend : backends)
            pumps.add(new Thread(() -> down(backend), "relay-down-" + backend.server.getPort()));
        for (Thread pump : pumps)
        {
            pump.setDaemon(true);
            pump.start();
        }
    }

    /** @return a relay to one server, each direction through its step */
    static UdpRelay to(int serverPort, Step toServer, Step toClient) throws IOException
    {
        return new UdpRelay(new int[]{serverPort}, client -> 0, toServer, toClient);
    }

    /**
     * @return a balancer that, like a hash on the client's address (IP and port), sends the first client address it
     * sees to server {@code first} (index 0) and any other to server {@code others} (index 1), unchanged
     */
    static UdpRelay balancing(int first, int others) throws IOException
    {
        SocketAddress[] firstClient = new SocketAddress[1];
        // Only the relay's one up thread routes.
        ToIntFunction<SocketAddress> route = client ->
        {
            if (firstClient[0] == null)
                firstClient[0] = client;
            return client.equals(firstClient[0]) ? 0 : 1;
        };
        return new UdpRelay(new int[]{first, others}, route, Step.FORWARD, Step.FORWARD);
    }

    /** @return where the clients send to */
    int port()
    {
        return front.getLocalPort();
    }

    /** @return datagrams sent to server {@code index} (its step let them through) */
    int sentTo(int index)
    {
        return backends.get(index).sent.get();
    }

    /** @return datagrams received from server {@code index} */
    int receivedFrom(int index)
    {
        return backends.get(index).received.get();
    }

    private void up()
    {
        byte[] buffer = new byte[65536];
        try
        {
            while (true)
            {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                front.receive(packet);
                Backend backend = backends.get(route.applyAsInt(packet.getSocketAddress()));
                backend.client = packet.getSocketAddress();
                byte[] datagram = toServer.apply(Arrays.copyOf(buffer, packet.getLength()));
                if (datagram == null)
                    continue;
                backend.sent.incrementAndGet();
                backend.socket.send(new DatagramPacket(datagram, datagram.length, backend.server));
            }
        }
        catch (IOException closed)
        {
            // close() ends the relay
        }
    }

    private void down(Backend backend)
    {
        byte[] buffer = new byte[65536];
        try
        {
            while (true)
            {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                backend.socket.receive(packet);
                backend.received.incrementAndGet();
                SocketAddress client = backend.client;
                if (client == null)
                    continue;
                byte[] datagram = toClient.apply(Arrays.copyOf(buffer, packet.getLength()));
                if (datagram != null)
                    front.send(new DatagramPacket(datagram, datagram.length, client));
            }
        }
        catch (IOException closed)
        {
            // close() ends the relay
        }
    }

    @Override
    public void close() throws InterruptedException
    {
        front.close();
        for (Backend backend : backends)
            backend.socket.close();
        for (Thread pump : pumps)
            pump.join(5000);
    }

    /** One server: the relay's socket towards it and the client address its datagrams go back to. */
    private static final class Backend
    {
        private final DatagramSocket socket = new DatagramSocket(ANY);
        private final InetSocketAddress server;
        private final AtomicInteger sent = new AtomicInteger();
        private final AtomicInteger received = new AtomicInteger();
        private volatile SocketAddress client;

        private Backend(InetSocketAddress server) throws IOException
        {
            this.server = server;
        }
    }

    /** What a datagram passes on its way through the relay, in one direction: one thread calls it. */
    @FunctionalInterface
    interface Step
    {
        Step FORWARD = datagram -> datagram;

        /** @return the datagram to send on (this one, changed or not, or another), or null to drop it */
        byte[] apply(byte[] datagram);
    }

    /**
     * Spoils a share of the datagrams, drawn from one seeded random sequence shared by the steps it makes (both
     * directions), within the first datagrams of each step.
     */
    static final class Spoiler
    {
        private final SplittableRandom random;
        private final double share;
        private final AtomicInteger hits = new AtomicInteger();

        Spoiler(long seed, double share)
        {
            this.random = new SplittableRandom(seed);
            this.share = share;
        }

        /** @return a step that drops the share of its first {@code affected} datagrams */
        Step drop(int affected)
        {
            return step(affected, true);
        }

        /** @return a step that flips one random byte in the share of its first {@code affected} datagrams */
        Step corrupt(int affected)
        {
            return step(affected, false);
        }

        /** @return datagrams dropped or corrupted so far */
        int hits()
        {
            return hits.get();
        }

        private Step step(int affected, boolean drop)
        {
            int[] seen = new int[1];
            return datagram ->
            {
                synchronized (random)
                {
                    boolean hit = seen[0]++ < affected && datagram.length > 0 && random.nextDouble() < share;
                    if (!hit)
                        return datagram;
                    hits.incrementAndGet();
                    if (drop)
                        return null;
                    datagram[random.nextInt(datagram.length)] ^= (byte)(1 + random.nextInt(255));
                    return datagram;
                }
            };
        }
    }

    /** Records what the clients send before the first datagram back: a client's first flight. */
    static final class FirstFlight
    {
        private final List<byte[]> datagrams = new CopyOnWriteArrayList<>();
        private volatile boolean answered;

        /** @return the step for the way to the server */
        Step toServer()
        {
            return datagram ->
            {
                if (!answered)
                    datagrams.add(datagram.clone());
                return datagram;
            };
        }

        /** @return the step for the way back to the client */
        Step toClient()
        {
            return datagram ->
            {
                answered = true;
                return datagram;
            };
        }

        List<byte[]> datagrams()
        {
            return List.copyOf(datagrams);
        }
    }
}
