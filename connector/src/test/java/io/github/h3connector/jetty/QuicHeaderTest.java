package io.github.h3connector.jetty;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;

import org.eclipse.jetty.quic.quiche.jna.LibQuiche;
import org.eclipse.jetty.quic.quiche.jna.size_t;
import org.eclipse.jetty.quic.quiche.jna.size_t_pointer;
import org.eclipse.jetty.quic.quiche.jna.uint32_t_pointer;
import org.eclipse.jetty.quic.quiche.jna.uint8_t_pointer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link QuicHeader} against quiche's own {@code quiche_header_info}, called the way Jetty's JNA binding calls it, on
 * real and hostile packets: both must agree on every packet, on whether it parses and on version, connection id and
 * token length.
 */
class QuicHeaderTest
{
    private static final int PACKETS = 200_000;

    @BeforeAll
    static void loadQuiche()
    {
        QuicheNative.load(QuicheBindingChoice.JNA);
    }

    @Test
    void agreesWithQuicheOnRealAndHostilePackets() throws Exception
    {
        byte[] initial = ReliabilityUdpGarbageTest.captureInitial();
        byte[][] seeds = {
            initial,
            bytes(QuicPackets.initialWithForgedToken()),
            bytes(QuicPackets.retry()),
            bytes(QuicPackets.longHeader(2, 1, 20, 20, new byte[0], 100)),
            bytes(QuicPackets.longHeader(1, 1, 8, 0, new byte[0], 60)),
            bytes(QuicPackets.longHeader(0, 0x1a2a3a4a, 8, 8, new byte[0], 1200)),
            versionNegotiation(3),
            shortHeader(1200),
        };
        SplittableRandom random = new SplittableRandom(20261126L);
        ByteBuffer packet = ByteBuffer.allocateDirect(2048);
        int parsed = 0;
        for (int i = 0; i < PACKETS; i++)
        {
            byte[] seed = seeds[i % seeds.length];
            byte[] bytes;
            switch (random.nextInt(5))
            {
                case 3 -> bytes = structuredLongHeader(random);
                case 0 -> bytes = Arrays.copyOf(seed, random.nextInt(seed.length + 1));
                case 1 ->
                {
                    bytes = seed.clone();
                    for (int f = 1 + random.nextInt(4); f > 0; f--)
                        bytes[random.nextInt(Math.min(bytes.length, 64))] = (byte)random.nextInt(256);
                }
                case 2 ->
                {
                    bytes = new byte[random.nextInt(80)];
                    for (int b = 0; b < bytes.length; b++)
                        bytes[b] = (byte)random.nextInt(256);
                }
                default -> bytes = seed;
            }
            packet.clear();
            packet.put(bytes).flip();
            if (agree(packet, bytes))
                parsed++;
        }
        // The corpus exercises both outcomes in quantity.
        assertTrue(parsed > PACKETS / 10 && parsed < PACKETS * 9 / 10, parsed + " of " + PACKETS + " parsed");
    }

    @Test
    void readsTheFieldsJettyAsksFor()
    {
        QuicHeader initial = QuicHeader.read(QuicPackets.initialWithForgedToken());
        assertNotNull(initial);
        assertTrue(initial.longHeader() && initial.isVersionSupported());
        assertEquals("forged-token".length(), initial.tokenLength());
        assertArrayEquals(new byte[] {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17}, initial.destinationConnectionId());

        ByteBuffer shortHeader = ByteBuffer.wrap(shortHeader(30));
        shortHeader.position(0);
        QuicHeader oneRtt = QuicHeader.read(shortHeader);
        assertNotNull(oneRtt);
        assertFalse(oneRtt.longHeader());
        assertEquals(0, oneRtt.version());
        assertEquals(20, oneRtt.destinationConnectionId().length);
        assertEquals(0, shortHeader.position(), "not consumed");

        assertNull(QuicHeader.read(ByteBuffer.wrap(shortHeader(20))), "a short header needs 20 bytes of connection id");
        assertNull(QuicHeader.read(ByteBuffer.allocate(0)));
    }

    /** @return whether the packet parsed; fails unless {@link QuicHeader} and quiche agree */
    private static boolean agree(ByteBuffer packet, byte[] bytes)
    {
        uint8_t_pointer type = new uint8_t_pointer();
        uint32_t_pointer version = new uint32_t_pointer();
        // The buffer sizes of Jetty's JnaQuicheConnection.fromPacket.
        byte[] scid = new byte[20];
        size_t_pointer scidLength = new size_t_pointer(scid.length);
        byte[] dcid = new byte[20];
        size_t_pointer dcidLength = new size_t_pointer(dcid.length);
        byte[] token = new byte[48];
        size_t_pointer tokenLength = new size_t_pointer(token.length);
        int rc = LibQuiche.INSTANCE.quiche_header_info(packet, new size_t(packet.remaining()), new size_t(20),
            version, type, scid, scidLength, dcid, dcidLength, token, tokenLength);
        QuicHeader header = QuicHeader.read(packet);
        String what = "packet " + hex(bytes);
        if (rc < 0)
        {
            assertNull(header, "quiche refused (" + rc + ") " + what);
            return false;
        }
        assertNotNull(header, "quiche parsed " + what);
        assertEquals(version.getValue(), header.version(), what);
        assertArrayEquals(Arrays.copyOf(dcid, (int)dcidLength.getValue()), header.destinationConnectionId(), what);
        assertArrayEquals(Arrays.copyOf(token, (int)tokenLength.getValue()), header.token(), what);
        assertEquals(type.getValue() != 5, header.longHeader(), what);
        return true;
    }

    /** A long header whose every length field sits near a limit: connection ids near 20 bytes, tokens near 48. */
    private static byte[] structuredLongHeader(SplittableRandom random)
    {
        int[] versions = {1, 1, 0, random.nextInt()};
        ByteBuffer packet = ByteBuffer.allocate(256);
        packet.put((byte)(0xC0 | (random.nextInt(4) << 4)));
        packet.putInt(versions[random.nextInt(versions.length)]);
        for (int id = 0; id < 2; id++)
        {
            int length = 16 + random.nextInt(8);
            packet.put((byte)length).put(new byte[length]);
        }
        // A token length as a variable-length integer of 1, 2, 4 or 8 bytes (RFC 9000 section 16).
        int tokenLength = 40 + random.nextInt(16);
        switch (random.nextInt(4))
        {
            case 0 -> packet.put((byte)tokenLength);
            case 1 -> packet.putShort((short)(0x4000 | tokenLength));
            case 2 -> packet.putInt(0x80000000 | tokenLength);
            default -> packet.putLong(0xC000000000000000L | tokenLength);
        }
        int length = Math.min(packet.position() + random.nextInt(80), packet.capacity());
        return Arrays.copyOf(packet.array(), length);
    }

    private static byte[] shortHeader(int length)
    {
        byte[] bytes = new byte[length];
        bytes[0] = 0x41;
        for (int i = 1; i < length; i++)
            bytes[i] = (byte)i;
        return bytes;
    }

    private static byte[] versionNegotiation(int versions)
    {
        ByteBuffer packet = ByteBuffer.allocate(7 + 16 + versions * 4);
        packet.put((byte)0x80).putInt(0).put((byte)8).put(new byte[8]).put((byte)8).put(new byte[8]);
        for (int v = 0; v < versions; v++)
            packet.putInt(0x1a2a3a4a + v);
        return packet.array();
    }

    private static byte[] bytes(ByteBuffer buffer)
    {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    private static String hex(byte[] bytes)
    {
        return HexFormat.of().formatHex(bytes, 0, Math.min(bytes.length, 80)) + (bytes.length > 80 ? "... (" : " (") + bytes.length + " bytes)";
    }
}
