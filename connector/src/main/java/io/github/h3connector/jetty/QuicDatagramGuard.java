package io.github.h3connector.jetty;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.function.BooleanSupplier;

import org.eclipse.jetty.quic.quiche.server.internal.SimpleTokenValidator;

/**
 * Decides, before Jetty's QUIC listener sees a datagram, whether it may reach it.
 *
 * <p>Jetty 12.1.5's {@code ServerQuicheConnection} handles every datagram of the single listening socket in one read
 * loop, and any exception in that loop stops reading for good, silently: the connector stays "started" but never answers
 * again. Two kinds of datagram throw there, and both are garbage by RFC 9000, so this guard drops them:
 * <ul>
 *   <li>a long-header packet with a zero-length Destination Connection ID ({@code QuicheConnectionId.fromPacket} throws
 *       {@code IllegalStateException}); a client's Initial DCID is at least 8 bytes (§7.2) and later packets carry the
 *       server's non-empty connection id;</li>
 *   <li>an Initial packet with an address-validation token that Jetty did not issue to this address
 *       ({@code TokenValidationException});</li>
 *   <li>a version 1 Retry packet: quiche reads everything after its connection ids but the 16-byte integrity tag as a
 *       token, so Jetty validates that as an address-validation token and throws {@code TokenValidationException}
 *       too. Only servers send Retry packets (§17.2.5).</li>
 * </ul>
 * It also drops, as RFC 9000 allows or requires: Initial packets in datagrams under 1200 bytes (§14.1), long-header
 * packets of unsupported versions in datagrams under 1200 bytes (§5.2.2, they would only earn a Version Negotiation
 * reply), Version Negotiation packets (a server never receives one legitimately), and empty datagrams; and, while the
 * connection limit is reached, Initial packets, which start new connections.
 */
final class QuicDatagramGuard
{
    static final int MIN_INITIAL_DATAGRAM = 1200;
    private static final int MAX_CONNECTION_ID = 20;
    /** Long-header packet types of QUIC version 1 (RFC 9000 §17.2). */
    private static final int INITIAL_TYPE = 0;
    private static final int RETRY_TYPE = 3;

    /** Why a datagram was dropped; {@link #ADMIT} when it was not. */
    enum Verdict
    {
        ADMIT,
        EMPTY,
        MALFORMED_LONG_HEADER,
        ZERO_LENGTH_CONNECTION_ID,
        VERSION_NEGOTIATION,
        /** A Retry packet, which only servers send. */
        RETRY,
        SMALL_UNSUPPORTED_VERSION,
        SMALL_INITIAL,
        INVALID_TOKEN,
        /** An Initial that would open a connection while none may be opened: at the limit, or draining. */
        CONNECTION_LIMIT
    }

    private QuicDatagramGuard()
    {
    }

    /** Whether the datagram starts with a QUIC version 1 Initial packet: one that may open a connection. */
    static boolean isInitial(ByteBuffer datagram)
    {
        if (datagram.remaining() < 5)
            return false;
        int at = datagram.position();
        int first = datagram.get(at) & 0xFF;
        return (first & 0x80) != 0 && ((first >> 4) & 0x03) == INITIAL_TYPE && datagram.getInt(at + 1) == QuicHeader.QUIC_V1;
    }

    /**
     * @param datagram the datagram, between position and limit; not consumed
     * @param peer where it came from
     * @param acceptNewConnections asked only for Initial packets: false when the connection limit is reached, and
     *        then they are dropped
     * @return {@link Verdict#ADMIT} or the reason to drop it
     */
    static Verdict check(ByteBuffer datagram, InetSocketAddress peer, BooleanSupplier acceptNewConnections)
    {
        int length = datagram.remaining();
        if (length == 0)
            return Verdict.EMPTY;
        int at = datagram.position();
        int first = datagram.get(at) & 0xFF;
        if ((first & 0x80) == 0)
            return Verdict.ADMIT; // short header: the connection id length is the server's own, never zero
        if (length < 7)
            return Verdict.MALFORMED_LONG_HEADER;
        int version = datagram.getInt(at + 1);
        int dcidLength = datagram.get(at + 5) & 0xFF;
        if (version == 0)
            return Verdict.VERSION_NEGOTIATION;
        if (version != QuicHeader.QUIC_V1)
            return length < MIN_INITIAL_DATAGRAM ? Verdict.SMALL_UNSUPPORTED_VERSION : (dcidLength == 0 ? Verdict.ZERO_LENGTH_CONNECTION_ID : Verdict.ADMIT);
        if (dcidLength == 0)
            return Verdict.ZERO_LENGTH_CONNECTION_ID;
        if (dcidLength > MAX_CONNECTION_ID)
            return Verdict.MALFORMED_LONG_HEADER;
        int scidLengthAt = at + 6 + dcidLength;
        if (scidLengthAt >= at + length)
            return Verdict.MALFORMED_LONG_HEADER;
        int scidLength = datagram.get(scidLengthAt) & 0xFF;
        if (scidLength > MAX_CONNECTION_ID)
            return Verdict.MALFORMED_LONG_HEADER;
        int type = (first >> 4) & 0x03;
        if (type == RETRY_TYPE)
            return Verdict.RETRY;
        if (type != INITIAL_TYPE)
            return Verdict.ADMIT;
        if (length < MIN_INITIAL_DATAGRAM)
            return Verdict.SMALL_INITIAL;
        if (!acceptNewConnections.getAsBoolean())
            return Verdict.CONNECTION_LIMIT;
        int tokenLengthAt = scidLengthAt + 1 + scidLength;
        if (tokenLengthAt >= at + length)
            return Verdict.MALFORMED_LONG_HEADER;
        long tokenLength = QuicHeader.varint(datagram, tokenLengthAt, at + length);
        if (tokenLength < 0)
            return Verdict.MALFORMED_LONG_HEADER;
        if (tokenLength == 0)
            return Verdict.ADMIT; // answered with a stateless Retry
        int tokenAt = tokenLengthAt + QuicHeader.varintLength(datagram.get(tokenLengthAt));
        if (tokenLength > at + length - tokenAt)
            return Verdict.MALFORMED_LONG_HEADER;
        byte[] token = new byte[(int)tokenLength];
        datagram.get(tokenAt, token);
        return new SimpleTokenValidator(peer).validate(token, token.length) == null ? Verdict.INVALID_TOKEN : Verdict.ADMIT;
    }
}
