package io.github.h3connector.quic;

import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Random;
import java.util.function.Predicate;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.quic.QuicResetTokenGenerator;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In front of one socket's QUIC codec: answers a short-header packet whose destination connection id no connection of
 * that codec owns with a stateless reset (RFC 9000 section 10.3), which Netty's codec does not do; it drops such
 * packets, so a client whose connection lived on another node (or on this node before a restart) would wait out its
 * idle timeout. The reset ends with the token the {@link Secrets} derive from the connection id, the token that the
 * node which minted the id announced: with a shared secret any node resets any node's connections, with different
 * secrets the client finds the token wrong and ignores the packet.
 *
 * <p>Loops and amplification (section 10.3.3): a reset is always smaller than the packet that triggered it, a packet
 * too small for that gets none, and at most {@link #RESETS_PER_SECOND} resets leave a socket per second.
 */
final class StatelessResetHandler extends ChannelInboundHandlerAdapter
{
    static final int RESETS_PER_SECOND = 100;
    /** Unpredictable bits (at least 38, so 5 bytes with the first) then the 16-byte token: section 10.3. */
    static final int MINIMUM_RESET_BYTES = 21;
    /** As long as a short-header packet with our 20-byte connection ids and a minimal payload, so it looks like one. */
    static final int MAXIMUM_RESET_BYTES = 43;
    private static final Logger LOG = LoggerFactory.getLogger(StatelessResetHandler.class);
    private static final int TOKEN_BYTES = 16;

    private final int connectionIdLength;
    private final QuicResetTokenGenerator tokens;
    private final Predicate<ByteBuffer> owned;
    private final Random random = new SecureRandom();
    // Event loop only: a token bucket.
    private double allowance = RESETS_PER_SECOND;
    private long lastRefill = System.nanoTime();

    /**
     * @param connectionIdLength the length of the connection ids the codec issues, so of the short-header DCIDs
     * @param owned whether the codec has a connection for a connection id
     */
    StatelessResetHandler(int connectionIdLength, QuicResetTokenGenerator tokens, Predicate<ByteBuffer> owned)
    {
        this.connectionIdLength = connectionIdLength;
        this.tokens = tokens;
        this.owned = owned;
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object message)
    {
        if (message instanceof DatagramPacket packet && reset(context, packet))
        {
            ReferenceCountUtil.release(message);
            return;
        }
        context.fireChannelRead(message);
    }

    /** @return whether the packet was answered with a reset (and so is not for the codec) */
    private boolean reset(ChannelHandlerContext context, DatagramPacket packet)
    {
        ByteBuf content = packet.content();
        int length = content.readableBytes();
        // Short header: form bit 0, fixed bit 1. Too small for a smaller reset: nothing, whatever it is.
        if (length <= MINIMUM_RESET_BYTES || length < 1 + connectionIdLength)
            return false;
        int first = content.getUnsignedByte(content.readerIndex());
        if ((first & 0xC0) != 0x40)
            return false;
        byte[] id = new byte[connectionIdLength];
        content.getBytes(content.readerIndex() + 1, id);
        ByteBuffer dcid = ByteBuffer.wrap(id);
        if (owned.test(dcid.duplicate()) || !takeAllowance())
            return false;
        int size = Math.min(length - 1, MAXIMUM_RESET_BYTES);
        byte[] reset = new byte[size];
        random.nextBytes(reset);
        reset[0] = (byte)(0x40 | (reset[0] & 0x3F));
        tokens.newResetToken(dcid.duplicate()).get(reset, size - TOKEN_BYTES, TOKEN_BYTES);
        context.writeAndFlush(new DatagramPacket(context.alloc().buffer(size).writeBytes(reset), packet.sender()));
        LOG.debug("stateless reset ({} bytes) to {} for an unknown connection ({}-byte packet)", size, packet.sender(), length);
        return true;
    }

    private boolean takeAllowance()
    {
        long now = System.nanoTime();
        allowance = Math.min(RESETS_PER_SECOND, allowance + (now - lastRefill) * RESETS_PER_SECOND / 1e9);
        lastRefill = now;
        if (allowance < 1)
            return false;
        allowance -= 1;
        return true;
    }

    /**
     * Whether Netty's QUIC codec has a connection for a connection id. The codec keeps its id-to-connection map
     * private; its lookup is reached once, reflectively. Where that fails (the module path without
     * {@code --add-opens io.netty.codec.classes.quic/io.netty.handler.codec.quic=ALL-UNNAMED}, or another Netty) every
     * id counts as owned, so no reset is sent, after one warning.
     */
    static Predicate<ByteBuffer> ownedBy(ChannelHandler codec)
    {
        Method lookup = lookup(codec);
        if (lookup == null)
            return id -> true;
        return id ->
        {
            try
            {
                return lookup.invoke(codec, id) != null;
            }
            catch (ReflectiveOperationException | RuntimeException x)
            {
                LOG.debug("cannot look up a QUIC connection id", x);
                return true;
            }
        };
    }

    private static Method lookup(ChannelHandler codec)
    {
        for (Class<?> type = codec.getClass(); type != null; type = type.getSuperclass())
        {
            try
            {
                Method method = type.getDeclaredMethod("getChannel", ByteBuffer.class);
                method.setAccessible(true);
                return method;
            }
            catch (NoSuchMethodException x)
            {
                // the superclass may have it
            }
            catch (RuntimeException x)
            {
                LOG.warn("no stateless resets for unknown QUIC connections: cannot reach {}.getChannel ({}); on the module path add --add-opens io.netty.codec.classes.quic/io.netty.handler.codec.quic=ALL-UNNAMED",
                    type.getName(), x.toString());
                return null;
            }
        }
        LOG.warn("no stateless resets for unknown QUIC connections: {} has no getChannel(ByteBuffer)", codec.getClass().getName());
        return null;
    }
}
