package io.github.h3connector.jetty;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.stream.Stream;

import io.github.h3connector.jetty.QuicDatagramGuard.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QuicDatagramGuardTest
{
    private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 50000);

    static Stream<Arguments> datagrams()
    {
        byte[] none = new byte[0];
        return Stream.of(
            Arguments.of("empty datagram", ByteBuffer.allocate(0), Verdict.EMPTY),
            Arguments.of("short header", ByteBuffer.wrap(new byte[]{0x40, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21}), Verdict.ADMIT),
            Arguments.of("truncated long header", ByteBuffer.wrap(new byte[]{(byte)0xC0, 0, 0, 0}), Verdict.MALFORMED_LONG_HEADER),
            Arguments.of("zero-length DCID, v1", QuicPackets.zeroLengthDcid(), Verdict.ZERO_LENGTH_CONNECTION_ID),
            Arguments.of("zero-length DCID, v1 Initial padded", QuicPackets.longHeader(0, 1, 0, 8, none, 1200), Verdict.ZERO_LENGTH_CONNECTION_ID),
            Arguments.of("zero-length DCID, unknown version, 1200 bytes", QuicPackets.longHeader(2, 0x1a2a3a4a, 0, 8, none, 1200), Verdict.ZERO_LENGTH_CONNECTION_ID),
            Arguments.of("DCID longer than 20", QuicPackets.longHeader(2, 1, 21, 8, none, 100), Verdict.MALFORMED_LONG_HEADER),
            Arguments.of("SCID longer than 20", QuicPackets.longHeader(2, 1, 8, 21, none, 100), Verdict.MALFORMED_LONG_HEADER),
            Arguments.of("version negotiation packet", QuicPackets.longHeader(0, 0, 8, 8, none, 1200), Verdict.VERSION_NEGOTIATION),
            Arguments.of("unknown version, small", QuicPackets.longHeader(0, 0x1a2a3a4a, 8, 8, none, 200), Verdict.SMALL_UNSUPPORTED_VERSION),
            Arguments.of("unknown version, 1200 bytes (earns version negotiation)", QuicPackets.longHeader(0, 0x1a2a3a4a, 8, 8, none, 1200), Verdict.ADMIT),
            Arguments.of("Initial under 1200 bytes", QuicPackets.longHeader(0, 1, 8, 8, none, 1199), Verdict.SMALL_INITIAL),
            Arguments.of("Initial without token (earns a Retry)", QuicPackets.longHeader(0, 1, 8, 8, none, 1200), Verdict.ADMIT),
            Arguments.of("Initial with a forged token", QuicPackets.initialWithForgedToken(), Verdict.INVALID_TOKEN),
            Arguments.of("Initial with a token longer than the datagram", truncatedToken(), Verdict.MALFORMED_LONG_HEADER),
            Arguments.of("Handshake packet", QuicPackets.longHeader(2, 1, 8, 8, none, 100), Verdict.ADMIT),
            Arguments.of("Retry packet, v1", QuicPackets.retry(), Verdict.RETRY),
            Arguments.of("Retry-typed packet, unknown version, 1200 bytes", QuicPackets.longHeader(3, 0x1a2a3a4a, 8, 8, none, 1200), Verdict.ADMIT)
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("datagrams")
    void verdicts(String name, ByteBuffer datagram, Verdict expected)
    {
        int position = datagram.position();
        assertEquals(expected, QuicDatagramGuard.check(datagram, PEER, () -> true));
        assertEquals(position, datagram.position(), "the datagram is not consumed");
    }

    @Test
    void anInitialWithTheTokenJettyIssuedToThisAddressIsAdmitted()
    {
        // Jetty's SimpleTokenMinter layout: "jetty", the client's address and port, then the original DCID.
        ByteBuffer token = ByteBuffer.allocate(5 + 4 + 2 + 8);
        token.put("jetty".getBytes()).put(PEER.getAddress().getAddress()).putShort((short)PEER.getPort()).put(new byte[8]);
        assertEquals(Verdict.ADMIT, QuicDatagramGuard.check(QuicPackets.longHeader(0, 1, 8, 8, token.array(), 1200), PEER, () -> true));
        assertEquals(Verdict.INVALID_TOKEN, QuicDatagramGuard.check(QuicPackets.longHeader(0, 1, 8, 8, token.array(), 1200), new InetSocketAddress("127.0.0.1", 50001), () -> true));
    }

    @Test
    void atTheConnectionLimitOnlyInitialPacketsAreDropped()
    {
        assertEquals(Verdict.CONNECTION_LIMIT, QuicDatagramGuard.check(QuicPackets.longHeader(0, 1, 8, 8, new byte[0], 1200), PEER, () -> false));
        assertEquals(Verdict.ADMIT, QuicDatagramGuard.check(QuicPackets.longHeader(2, 1, 8, 8, new byte[0], 100), PEER, () -> false));
        assertEquals(Verdict.ADMIT, QuicDatagramGuard.check(ByteBuffer.wrap(new byte[]{0x40, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21}), PEER, () -> false));
    }

    /** What the connection limit is checked again for when a datagram leaves the read-ahead queue. */
    @Test
    void onlyVersion1InitialPacketsCountAsInitial()
    {
        assertTrue(QuicDatagramGuard.isInitial(QuicPackets.longHeader(0, 1, 8, 8, new byte[0], 1200)));
        assertFalse(QuicDatagramGuard.isInitial(QuicPackets.longHeader(2, 1, 8, 8, new byte[0], 100)), "Handshake");
        assertFalse(QuicDatagramGuard.isInitial(QuicPackets.longHeader(1, 1, 8, 8, new byte[0], 100)), "0-RTT");
        assertFalse(QuicDatagramGuard.isInitial(QuicPackets.longHeader(0, 0x6b3343cf, 8, 8, new byte[0], 1200)), "another version");
        assertFalse(QuicDatagramGuard.isInitial(ByteBuffer.wrap(new byte[]{0x40, 0, 0, 0, 1, 8})), "short header");
        assertFalse(QuicDatagramGuard.isInitial(ByteBuffer.wrap(new byte[]{(byte)0xC0, 0, 0, 0})), "too short for a version");
        ByteBuffer initial = QuicPackets.longHeader(0, 1, 8, 8, new byte[0], 1200);
        int position = initial.position();
        QuicDatagramGuard.isInitial(initial);
        assertEquals(position, initial.position(), "the datagram is not consumed");
    }

    private static ByteBuffer truncatedToken()
    {
        ByteBuffer packet = QuicPackets.longHeader(0, 1, 8, 8, new byte[0], 1200);
        // Token length 0x3FFF (a 2-byte varint) where the token would start.
        packet.put(1 + 4 + 1 + 8 + 1 + 8, (byte)0x7F).put(1 + 4 + 1 + 8 + 1 + 8 + 1, (byte)0xFF);
        return packet;
    }
}
