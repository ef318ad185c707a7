package io.github.h3connector.jetty;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * Datagrams read from the listening socket ahead of Jetty's QUIC read loop, up to a byte limit, in two queues: packets of
 * established connections (short header) are served before handshake packets (long header), so that a burst of new
 * connections does not hold up connections that are already open. Never more than {@value #ESTABLISHED_IN_A_ROW}
 * established datagrams in a row while handshake datagrams wait, so a busy connection cannot starve handshakes either.
 *
 * <p>Why read ahead: the socket's kernel queue is capped by {@code net.core.rmem_max} (208 KiB on a stock Linux), and
 * Jetty's read loop runs each handshake step inline; a burst of 2,000 QUIC handshakes overflowed even an 8 MiB kernel
 * queue (2,424 datagrams lost), and clients whose packets are dropped wait out exponential backoff (1, 2, 4, ... s).
 * Not thread-safe: {@link GuardedDatagramChannelEndPoint} locks it.
 */
final class ReadAheadQueue
{
    static final int ESTABLISHED_IN_A_ROW = 8;

    /** One datagram and where it came from. */
    record Datagram(SocketAddress peer, byte[] bytes)
    {
        /** Whether it carries a long-header packet first, which is how handshakes and new connections start. */
        boolean longHeader()
        {
            return bytes.length > 0 && (bytes[0] & 0x80) != 0;
        }
    }

    private final ArrayDeque<Datagram> established = new ArrayDeque<>();
    private final ArrayDeque<Datagram> handshakes = new ArrayDeque<>();
    private final long maxBytes;
    private long bytes;
    private int establishedInARow;

    ReadAheadQueue(long maxBytes)
    {
        if (maxBytes <= 0)
            throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
        this.maxBytes = maxBytes;
    }

    /** Whether another datagram may be read ahead: the queue holds less than its byte limit. */
    boolean hasRoom()
    {
        return bytes < maxBytes;
    }

    /** Copies the datagram between position and limit, leaving the buffer as it was. */
    void add(SocketAddress peer, ByteBuffer datagram)
    {
        byte[] copy = new byte[datagram.remaining()];
        datagram.get(datagram.position(), copy);
        Datagram entry = new Datagram(peer, copy);
        (entry.longHeader() ? handshakes : established).addLast(entry);
        bytes += copy.length;
    }

    /** @return the next datagram to process, or null if none is queued */
    Datagram poll()
    {
        boolean handshakeTurn = !handshakes.isEmpty() && (established.isEmpty() || establishedInARow >= ESTABLISHED_IN_A_ROW);
        Datagram next = handshakeTurn ? handshakes.pollFirst() : established.pollFirst();
        if (next == null)
            return null;
        establishedInARow = handshakeTurn ? 0 : establishedInARow + 1;
        bytes -= next.bytes().length;
        return next;
    }

    boolean isEmpty()
    {
        return established.isEmpty() && handshakes.isEmpty();
    }

    long bytes()
    {
        return bytes;
    }

    int size()
    {
        return established.size() + handshakes.size();
    }
}
