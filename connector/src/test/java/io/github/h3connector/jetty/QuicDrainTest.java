package io.github.h3connector.jetty;

import java.net.InetSocketAddress;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QuicDrainTest
{
    private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 50_000);
    private static final InetSocketAddress OTHER = new InetSocketAddress("127.0.0.1", 50_001);

    @Test
    void quietCountsFromTheStartOfTheDrainForPeersNotHeardSince()
    {
        QuicDrain drain = new QuicDrain();
        long start = System.nanoTime();
        drain.start();
        assertFalse(drain.isQuiet(PEER, start + QuicDrain.QUIET - 1_000_000_000L));
        assertTrue(drain.isQuiet(PEER, System.nanoTime() + QuicDrain.QUIET));
    }

    @Test
    void aDatagramFromThePeerRestartsItsQuietPeriodOnly()
    {
        QuicDrain drain = new QuicDrain();
        drain.start();
        long heard = System.nanoTime();
        drain.heardFrom(PEER);
        long later = heard + QuicDrain.QUIET - 1_000_000L;
        assertFalse(drain.isQuiet(PEER, later));
        assertTrue(drain.isQuiet(PEER, System.nanoTime() + QuicDrain.QUIET));
        assertTrue(drain.isQuiet(OTHER, System.nanoTime() + QuicDrain.QUIET));
    }
}
