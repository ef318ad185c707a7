package io.github.h3connector.jetty;

import java.nio.ByteBuffer;

import org.eclipse.jetty.quic.quiche.Quiche;
import org.eclipse.jetty.quic.quiche.QuicheConstants;

/**
 * The fields of a QUIC packet header that Jetty's quiche bindings ask quiche for ({@code quiche_header_info}), read in
 * Java by the same rules: quiche 0.24's {@code Header::from_bytes} with Jetty's 20-byte server connection ids, and
 * the buffer sizes Jetty passes (connection ids up to 20 bytes, tokens up to 48).
 *
 * <p>Why not ask quiche: each such call through the JNA binding allocates five native buffers that are freed only by
 * the garbage collector, and Jetty asks up to three times for a datagram that opens no connection. Under a flood of
 * hostile datagrams that was the connector's largest cost and grew JNA's registry of native buffers by 36 MiB.
 *
 * @param longHeader whether the packet has a long header (RFC 9000 §17.2)
 * @param version the version of a long-header packet, 0 for a short header (as quiche reports it)
 * @param destinationConnectionId the Destination Connection ID
 * @param token an Initial packet's token (or what quiche takes for a Retry packet's token); empty otherwise
 */
record QuicHeader(boolean longHeader, int version, byte[] destinationConnectionId, byte[] token)
{
    /** The connection id length Jetty's server passes to quiche for short headers, and its buffer size for ids. */
    static final int CONNECTION_ID_LENGTH = QuicheConstants.QUICHE_MAX_CONN_ID_LEN;
    /** The token buffer size Jetty passes to quiche: longer tokens fail. */
    static final int MAX_TOKEN_LENGTH = Quiche.TokenMinter.MAX_TOKEN_LENGTH;
    static final int QUIC_V1 = 0x00000001;
    private static final int RETRY_INTEGRITY_TAG_LENGTH = 16;
    private static final byte[] NO_TOKEN = new byte[0];

    int tokenLength()
    {
        return token.length;
    }

    /** @return whether quiche supports the version (quiche 0.24: QUIC version 1 only) */
    boolean isVersionSupported()
    {
        return version == QUIC_V1;
    }

    /**
     * @param packet a datagram between position and limit; not consumed
     * @return its header, or null exactly where {@code quiche_header_info} fails for it
     */
    static QuicHeader read(ByteBuffer packet)
    {
        int at = packet.position();
        int end = packet.limit();
        if (at >= end)
            return null;
        int first = packet.get(at++) & 0xFF;
        if ((first & 0x80) == 0)
        {
            if (end - at < CONNECTION_ID_LENGTH)
                return null;
            return new QuicHeader(false, 0, bytes(packet, at, CONNECTION_ID_LENGTH), NO_TOKEN);
        }
        if (end - at < 4)
            return null;
        int version = packet.getInt(at);
        at += 4;

        if (at >= end)
            return null;
        int dcidLength = packet.get(at++) & 0xFF;
        // quiche refuses ids over 20 bytes for QUIC v1 while parsing; Jetty's 20-byte buffers refuse them for any version.
        if (dcidLength > CONNECTION_ID_LENGTH || end - at < dcidLength)
            return null;
        byte[] dcid = bytes(packet, at, dcidLength);
        at += dcidLength;

        if (at >= end)
            return null;
        int scidLength = packet.get(at++) & 0xFF;
        if (scidLength > CONNECTION_ID_LENGTH || end - at < scidLength)
            return null;
        at += scidLength;

        byte[] token = NO_TOKEN;
        if (version == 0)
        {
            // Version Negotiation: a list of 4-byte versions up to the end.
            if ((end - at) % 4 != 0)
                return null;
        }
        else
        {
            int type = (first >> 4) & 0x03;
            if (type == 0)
            {
                // Initial: a variable-length integer, then that many token bytes.
                if (at >= end)
                    return null;
                long length = varint(packet, at, end);
                if (length < 0)
                    return null;
                at += varintLength(packet.get(at));
                if (length > end - at || length > MAX_TOKEN_LENGTH)
                    return null;
                token = bytes(packet, at, (int)length);
            }
            else if (type == 3)
            {
                // Retry: everything but the integrity tag is the token.
                if (end - at < RETRY_INTEGRITY_TAG_LENGTH || end - at - RETRY_INTEGRITY_TAG_LENGTH > MAX_TOKEN_LENGTH)
                    return null;
                token = bytes(packet, at, end - at - RETRY_INTEGRITY_TAG_LENGTH);
            }
        }
        return new QuicHeader(true, version, dcid, token);
    }

    /** @return the QUIC variable-length integer at {@code at} (RFC 9000 §16), or -1 when it does not fit before {@code end} */
    static long varint(ByteBuffer buffer, int at, int end)
    {
        int first = buffer.get(at) & 0xFF;
        int length = varintLength((byte)first);
        if (at + length > end)
            return -1;
        long value = first & 0x3F;
        for (int i = 1; i < length; i++)
            value = (value << 8) | (buffer.get(at + i) & 0xFF);
        return value;
    }

    static int varintLength(byte first)
    {
        return 1 << ((first & 0xFF) >> 6);
    }

    private static byte[] bytes(ByteBuffer packet, int at, int length)
    {
        byte[] bytes = new byte[length];
        packet.get(at, bytes);
        return bytes;
    }
}
