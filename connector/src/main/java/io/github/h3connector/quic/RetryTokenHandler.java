package io.github.h3connector.quic;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.quic.QuicTokenHandler;

/**
 * Retry tokens (RFC 9000 section 8.1) that only this server, or a node sharing its secret, can mint: a MAC over the
 * client's address and port, the expiry and the original destination connection id. A token is good for
 * {@link #LIFETIME_NANOS} and only from the address it was sent to.
 *
 * <p>Layout: MAC (16 bytes) | expiry (8 bytes, {@link System#nanoTime()} based, so tokens do not survive a restart) |
 * original destination connection id.
 */
final class RetryTokenHandler implements QuicTokenHandler
{
    /**
     * Long enough for a client starved of CPU in a burst of handshakes: quiche drops an Initial whose token has expired
     * without a word, and its client then retransmits the same token until it gives up (with 10 s, 699 of 2,000
     * concurrent Jetty clients on 2 cores never completed their handshake).
     */
    static final long LIFETIME_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final int MAC_BYTES = 16;
    private static final int HEADER_BYTES = MAC_BYTES + Long.BYTES;

    private final Secrets secrets;
    private final BooleanSupplier retryNow;

    RetryTokenHandler(Secrets secrets, BooleanSupplier retryNow)
    {
        this.secrets = secrets;
        this.retryNow = retryNow;
    }

    @Override
    public boolean writeToken(ByteBuf out, ByteBuf dcid, InetSocketAddress address)
    {
        if (!retryNow.getAsBoolean())
            return false;
        byte[] expiry = ByteBuffer.allocate(Long.BYTES).putLong(System.nanoTime() + LIFETIME_NANOS).array();
        byte[] odcid = ByteBufUtil.getBytes(dcid);
        out.writeBytes(mac(expiry, address, odcid), 0, MAC_BYTES);
        out.writeBytes(expiry);
        out.writeBytes(odcid);
        return true;
    }

    @Override
    public int validateToken(ByteBuf token, InetSocketAddress address)
    {
        if (token.readableBytes() <= HEADER_BYTES)
            return -1;
        byte[] mac = ByteBufUtil.getBytes(token, token.readerIndex(), MAC_BYTES);
        byte[] expiry = ByteBufUtil.getBytes(token, token.readerIndex() + MAC_BYTES, Long.BYTES);
        byte[] odcid = ByteBufUtil.getBytes(token, token.readerIndex() + HEADER_BYTES, token.readableBytes() - HEADER_BYTES);
        byte[] expected = new byte[MAC_BYTES];
        System.arraycopy(mac(expiry, address, odcid), 0, expected, 0, MAC_BYTES);
        if (!MessageDigest.isEqual(mac, expected))
            return -1;
        if (System.nanoTime() - ByteBuffer.wrap(expiry).getLong() > 0)
            return -1;
        return HEADER_BYTES;
    }

    private byte[] mac(byte[] expiry, InetSocketAddress address, byte[] odcid)
    {
        byte[] port = {(byte)(address.getPort() >> 8), (byte)address.getPort()};
        return secrets.tokenMac(address.getAddress().getAddress(), port, expiry, odcid);
    }

    @Override
    public int maxTokenLength()
    {
        return HEADER_BYTES + 20;
    }
}
