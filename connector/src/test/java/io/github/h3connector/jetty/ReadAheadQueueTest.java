package io.github.h3connector.jetty;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReadAheadQueueTest
{
    private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 4433);
    private static final byte LONG = (byte)0xC0;
    private static final byte SHORT = 0x40;

    @Test
    void establishedDatagramsGoFirstInArrivalOrder()
    {
        ReadAheadQueue queue = new ReadAheadQueue(1 << 20);
        add(queue, LONG, 1);
        add(queue, SHORT, 2);
        add(queue, LONG, 3);
        add(queue, SHORT, 4);
        assertEquals(List.of(2, 4, 1, 3), drain(queue));
        assertTrue(queue.isEmpty());
        assertEquals(0, queue.bytes());
        assertNull(queue.poll());
    }

    @Test
    void handshakesGetATurnAfterEveryRunOfEstablishedDatagrams()
    {
        ReadAheadQueue queue = new ReadAheadQueue(1 << 20);
        for (int i = 0; i < 3; i++)
            add(queue, LONG, 100 + i);
        for (int i = 0; i < 2 * ReadAheadQueue.ESTABLISHED_IN_A_ROW + 2; i++)
            add(queue, SHORT, i);
        List<Integer> order = drain(queue);
        int run = ReadAheadQueue.ESTABLISHED_IN_A_ROW;
        assertEquals(100, order.get(run), order.toString());
        assertEquals(101, order.get(2 * run + 1), order.toString());
        assertEquals(102, order.get(order.size() - 1), order.toString());
    }

    @Test
    void holdsUpToItsByteLimitAndCopiesTheDatagram()
    {
        ReadAheadQueue queue = new ReadAheadQueue(2400);
        ByteBuffer datagram = ByteBuffer.allocate(1200);
        datagram.put(0, SHORT).put(1199, (byte)7);
        queue.add(PEER, datagram);
        assertTrue(queue.hasRoom());
        assertEquals(0, datagram.position(), "the buffer is left as it was");
        queue.add(PEER, datagram);
        assertFalse(queue.hasRoom());
        assertEquals(2400, queue.bytes());
        datagram.put(1199, (byte)9);
        ReadAheadQueue.Datagram first = queue.poll();
        assertEquals(7, first.bytes()[1199]);
        assertEquals(PEER, first.peer());
        assertTrue(queue.hasRoom());
        assertEquals(1, queue.size());
    }

    @Test
    void anEmptyDatagramCountsAsEstablishedAndALimitMustBePositive()
    {
        ReadAheadQueue queue = new ReadAheadQueue(100);
        queue.add(PEER, ByteBuffer.allocate(0));
        assertArrayEquals(new byte[0], queue.poll().bytes());
        assertThrows(IllegalArgumentException.class, () -> new ReadAheadQueue(0));
    }

    private static void add(ReadAheadQueue queue, byte first, int id)
    {
        queue.add(PEER, ByteBuffer.wrap(new byte[]{first, (byte)id}));
    }

    private static List<Integer> drain(ReadAheadQueue queue)
    {
        List<Integer> ids = new ArrayList<>();
        for (ReadAheadQueue.Datagram datagram = queue.poll(); datagram != null; datagram = queue.poll())
            ids.add(datagram.bytes()[1] & 0xFF);
        return ids;
    }
}
