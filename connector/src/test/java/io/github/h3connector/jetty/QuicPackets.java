package io.github.h3connector.jetty;

import java.nio.ByteBuffer;

/** Hand-made QUIC datagrams for the listener-survival and flood tests (RFC 9000 §17.2 long-header layout). */
final class QuicPackets
{
    private QuicPackets()
    {
    }

    /**
     * A long-header packet: first byte, version, DCID, SCID, then for Initial packets a token, padded to {@code size}.
     *
     * @param type 0 Initial, 1 0-RTT, 2 Handshake, 3 Retry
     */
    static ByteBuffer longHeader(int type, int version, int dcidLength, int scidLength, byte[] token, int size)
    {
        ByteBuffer packet = ByteBuffer.allocate(Math.max(size, 64));
        packet.put((byte)(0xC0 | (type << 4)));
        packet.putInt(version);
        packet.put((byte)dcidLength);
        for (int i = 0; i < dcidLength; i++)
            packet.put((byte)(0x10 + i));
        packet.put((byte)scidLength);
        for (int i = 0; i < scidLength; i++)
            packet.put((byte)(0x20 + i));
        if (type == 0)
        {
            // Token length as a 2-byte varint, then the token.
            packet.put((byte)(0x40 | (token.length >> 8)));
            packet.put((byte)token.length);
            packet.put(token);
        }
        // Length varint (2 bytes) + a packet number + payload bytes, up to the size.
        packet.put((byte)0x44).put((byte)0x00).put((byte)0x01);
        while (packet.position() < size)
            packet.put((byte)0x00);
        packet.flip();
        return packet;
    }

    /** A Handshake packet with a zero-length Destination Connection ID: it stops stock Jetty 12.1.5's listener. */
    static ByteBuffer zeroLengthDcid()
    {
        return longHeader(2, 1, 0, 8, new byte[0], 64);
    }

    /** An Initial with a token Jetty never issued: stock Jetty 12.1.5 throws TokenValidationException and stops reading. */
    static ByteBuffer initialWithForgedToken()
    {
        return longHeader(0, 1, 8, 8, "forged-token".getBytes(), 1200);
    }

    /**
     * A version 1 Retry packet (which only servers send): quiche reads its tail as a token, and stock Jetty 12.1.5 then
     * throws TokenValidationException and stops reading. Small, so that the "token" fits quiche's header buffer (longer
     * ones fail to parse and Jetty drops them).
     */
    static ByteBuffer retry()
    {
        return longHeader(3, 1, 8, 8, new byte[0], 64);
    }
}
