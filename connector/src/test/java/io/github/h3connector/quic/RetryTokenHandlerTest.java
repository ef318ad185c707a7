package io.github.h3connector.quic;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.HexFormat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Retry tokens only this server (or one sharing its secret) can mint, good only from the address they were sent to. */
class RetryTokenHandlerTest
{
    private static final byte[] SECRET = HexFormat.of().parseHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    private static final InetSocketAddress CLIENT = new InetSocketAddress("192.0.2.7", 40001);
    private static final ByteBuf ODCID = Unpooled.wrappedBuffer(HexFormat.of().parseHex("8394c8f03e515708"));

    private final RetryTokenHandler handler = new RetryTokenHandler(new Secrets(SECRET), () -> true);

    @Test
    void aTokenValidatesFromItsAddressAndCarriesTheOriginalConnectionId()
    {
        ByteBuf token = mint(handler, CLIENT);
        int offset = handler.validateToken(token.slice(), CLIENT);
        assertEquals(24, offset);
        assertEquals(ODCID, token.slice(offset, token.readableBytes() - offset));
        assertTrue(token.readableBytes() <= handler.maxTokenLength());
    }

    @Test
    void aTokenIsRefusedFromAnotherAddressOrPort()
    {
        ByteBuf token = mint(handler, CLIENT);
        assertEquals(-1, handler.validateToken(token.slice(), new InetSocketAddress("192.0.2.8", 40001)));
        assertEquals(-1, handler.validateToken(token.slice(), new InetSocketAddress("192.0.2.7", 40002)));
    }

    @Test
    void aChangedByteOrAnotherSecretInvalidatesTheToken()
    {
        ByteBuf token = mint(handler, CLIENT);
        for (int i = 0; i < token.readableBytes(); i++)
        {
            ByteBuf tampered = token.copy();
            tampered.setByte(i, tampered.getByte(i) ^ 0x01);
            assertEquals(-1, handler.validateToken(tampered, CLIENT), "byte " + i + " flipped");
        }
        byte[] other = SECRET.clone();
        other[0] ^= 1;
        assertEquals(-1, new RetryTokenHandler(new Secrets(other), () -> true).validateToken(token.slice(), CLIENT));
        // The same secret on another node accepts it: that is what sharing the secret is for.
        assertEquals(24, new RetryTokenHandler(new Secrets(SECRET), () -> true).validateToken(token.slice(), CLIENT));
    }

    @Test
    void theOldForgeableFormatAndShortTokensAreRefused()
    {
        // Jetty 12.1.5's quiche server accepted "jetty" + IPv4 + port + ODCID in clear, which anyone can write.
        ByteBuf forged = Unpooled.buffer();
        forged.writeBytes("jetty".getBytes()).writeBytes(CLIENT.getAddress().getAddress()).writeShort(CLIENT.getPort()).writeBytes(ODCID.slice());
        assertEquals(-1, handler.validateToken(forged, CLIENT));
        assertEquals(-1, handler.validateToken(Unpooled.buffer(), CLIENT));
        assertEquals(-1, handler.validateToken(Unpooled.wrappedBuffer(new byte[24]), CLIENT));
    }

    @Test
    void anExpiredTokenIsRefused()
    {
        ByteBuf token = mint(handler, CLIENT);
        // Rewrite the expiry to the past and sign it as the server would: only the expiry check refuses it then.
        byte[] expiry = ByteBuffer.allocate(Long.BYTES).putLong(System.nanoTime() - 1).array();
        byte[] odcid = new byte[ODCID.readableBytes()];
        ODCID.getBytes(ODCID.readerIndex(), odcid);
        byte[] port = {(byte)(CLIENT.getPort() >> 8), (byte)CLIENT.getPort()};
        byte[] mac = new Secrets(SECRET).tokenMac(CLIENT.getAddress().getAddress(), port, expiry, odcid);
        ByteBuf expired = Unpooled.buffer().writeBytes(mac, 0, 16).writeBytes(expiry).writeBytes(odcid);
        assertEquals(-1, handler.validateToken(expired, CLIENT));
        assertNotEquals(-1, handler.validateToken(token.slice(), CLIENT));
    }

    @Test
    void noRetryWhenThePolicySaysNo()
    {
        RetryTokenHandler quiet = new RetryTokenHandler(new Secrets(SECRET), () -> false);
        ByteBuf out = Unpooled.buffer();
        assertFalse(quiet.writeToken(out, ODCID.slice(), CLIENT));
        assertEquals(0, out.readableBytes());
    }

    @Test
    void aShortSecretIsRefused()
    {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> new Secrets(new byte[15]));
        assertEquals("QUIC secret must have at least 16 bytes, got 15", x.getMessage());
    }

    @Test
    void resetTokensDependOnTheSecretAndTheConnectionId()
    {
        ByteBuffer id = ByteBuffer.wrap(HexFormat.of().parseHex("0011223344556677"));
        ByteBuffer token = new Secrets(SECRET).resetTokenGenerator().newResetToken(id.duplicate());
        assertEquals(16, token.remaining());
        assertEquals(token, new Secrets(SECRET).resetTokenGenerator().newResetToken(id.duplicate()), "another node with the secret");
        byte[] other = SECRET.clone();
        other[31] ^= 1;
        assertNotEquals(token, new Secrets(other).resetTokenGenerator().newResetToken(id.duplicate()));
        assertNotEquals(token, new Secrets(SECRET).resetTokenGenerator().newResetToken(ByteBuffer.wrap(HexFormat.of().parseHex("0011223344556678"))));
    }

    private static ByteBuf mint(RetryTokenHandler handler, InetSocketAddress client)
    {
        ByteBuf out = Unpooled.buffer();
        assertTrue(handler.writeToken(out, ODCID.slice(), client));
        return out;
    }
}
