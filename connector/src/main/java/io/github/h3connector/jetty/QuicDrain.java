package io.github.h3connector.jetty;

import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * What a graceful stop needs to know about QUIC peers: when each one was last heard from since the drain began.
 *
 * <p>A session with no request stream left may still hold response bytes that Jetty handed to quiche but that are not
 * yet acknowledged; closing it would discard them. While such bytes are in flight the peer acknowledges them every
 * round trip, so a peer that stayed silent for {@link #QUIET} has nothing left to receive, or is gone. Recording costs
 * one map write per datagram, and only while draining.
 */
final class QuicDrain
{
    /** Several probe timeouts on a 100 ms path: longer than any pause between acknowledgements of data in flight. */
    static final long QUIET = TimeUnit.SECONDS.toNanos(2);

    private final Map<SocketAddress, Long> lastHeard = new ConcurrentHashMap<>();
    private volatile long startNanos;
    private volatile boolean draining;

    void start()
    {
        lastHeard.clear();
        startNanos = System.nanoTime();
        draining = true;
    }

    void stop()
    {
        draining = false;
        lastHeard.clear();
    }

    boolean isDraining()
    {
        return draining;
    }

    void heardFrom(SocketAddress peer)
    {
        if (draining)
            lastHeard.put(peer, System.nanoTime());
    }

    /** @return whether nothing came from {@code peer} for {@link #QUIET}, counting from the start of the drain */
    boolean isQuiet(SocketAddress peer, long nowNanos)
    {
        Long heard = lastHeard.get(peer);
        long since = heard == null ? startNanos : heard;
        return nowNanos - since >= QUIET;
    }
}
