package io.github.h3connector.quic;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.netty.handler.codec.quic.QuicConnectionIdGenerator;
import io.netty.handler.codec.quic.QuicResetTokenGenerator;

/**
 * The server secret and what is derived from it: Retry-token MACs, connection ids and stateless-reset tokens (RFC 9000
 * section 10.3).
 * Nodes configured with the same secret validate each other's tokens and reset each other's connections.
 */
final class Secrets
{
    private static final String HMAC = "HmacSHA256";
    private static final int MINIMUM_BYTES = 16;
    private static final int NONCE_BYTES = 8;
    /** Index, nonce and an 8-byte tag. */
    private static final int MINIMUM_ID_BYTES = 2 + NONCE_BYTES + 8;

    private final SecretKeySpec tokenKey;
    private final SecretKeySpec resetKey;
    private final SecretKeySpec idKey;

    /** @param secret at least 16 bytes, or null for a random one (this node alone) */
    Secrets(byte[] secret)
    {
        byte[] key = secret;
        if (key == null)
        {
            key = new byte[32];
            new SecureRandom().nextBytes(key);
        }
        if (key.length < MINIMUM_BYTES)
            throw new IllegalArgumentException("QUIC secret must have at least " + MINIMUM_BYTES + " bytes, got " + key.length);
        // One key per use, so that a token MAC can never be replayed as a reset token or the reverse.
        tokenKey = new SecretKeySpec(mac(new SecretKeySpec(key, HMAC), "retry-token".getBytes()), HMAC);
        resetKey = new SecretKeySpec(mac(new SecretKeySpec(key, HMAC), "stateless-reset".getBytes()), HMAC);
        idKey = new SecretKeySpec(mac(new SecretKeySpec(key, HMAC), "connection-id".getBytes()), HMAC);
    }

    byte[] tokenMac(byte[]... parts)
    {
        return mac(tokenKey, parts);
    }

    /**
     * Connection ids that start with {@code index} (2 bytes), the socket that owns the connection, as Netty's
     * {@code QuicCodecDispatcher} routes them, then an 8-byte nonce and a tag, an HMAC of both: an id vouches for
     * itself. Netty asks for the first id of a connection from the client's chosen destination id, which must give the
     * same id every time (a retransmitted Initial must map to the same connection): its nonce is an HMAC of that id.
     * It asks for the spare ids (NEW_CONNECTION_ID) from the connection's own first id: for an id of ours the nonce is
     * random, so the spares differ (derived from that id they would all be equal, and a client retiring one would
     * retire them all).
     */
    QuicConnectionIdGenerator connectionIdGenerator(int index)
    {
        SecureRandom random = new SecureRandom();
        return new QuicConnectionIdGenerator()
        {
            @Override
            public ByteBuffer newId(int length)
            {
                byte[] nonce = new byte[NONCE_BYTES];
                random.nextBytes(nonce);
                return id(nonce, length);
            }

            @Override
            public ByteBuffer newId(ByteBuffer input, int length)
            {
                if (isOurs(input))
                    return newId(length);
                byte[] bytes = new byte[input.remaining()];
                input.duplicate().get(bytes);
                byte[] nonce = new byte[NONCE_BYTES];
                System.arraycopy(mac(idKey, "initial".getBytes(), bytes), 0, nonce, 0, NONCE_BYTES);
                return id(nonce, length);
            }

            private ByteBuffer id(byte[] nonce, int length)
            {
                if (length < MINIMUM_ID_BYTES)
                    throw new IllegalArgumentException("connection ids need at least " + MINIMUM_ID_BYTES + " bytes, asked for " + length);
                byte[] id = new byte[length];
                id[0] = (byte)(index >> 8);
                id[1] = (byte)index;
                System.arraycopy(nonce, 0, id, 2, NONCE_BYTES);
                byte[] tag = mac(idKey, java.util.Arrays.copyOf(id, 2 + NONCE_BYTES));
                System.arraycopy(tag, 0, id, 2 + NONCE_BYTES, length - 2 - NONCE_BYTES);
                return ByteBuffer.wrap(id);
            }

            @Override
            public int maxConnectionIdLength()
            {
                return 20;
            }

            @Override
            public boolean isIdempotent()
            {
                return true;
            }
        };
    }

    /**
     * Whether an id is one this secret made: as this generator returns it, or with the 2-byte socket index that Netty's
     * dispatcher puts in front. A client's random id passes with a chance of 2^-64.
     */
    boolean isOurs(ByteBuffer input)
    {
        byte[] bytes = new byte[input.remaining()];
        input.duplicate().get(bytes);
        return isOurs(bytes, 0) || isOurs(bytes, 2);
    }

    private boolean isOurs(byte[] bytes, int offset)
    {
        int length = bytes.length - offset;
        if (length < MINIMUM_ID_BYTES || length > 20)
            return false;
        byte[] tag = mac(idKey, java.util.Arrays.copyOfRange(bytes, offset, offset + 2 + NONCE_BYTES));
        int diff = 0;
        for (int i = 2 + NONCE_BYTES; i < length; i++)
            diff |= tag[i - 2 - NONCE_BYTES] ^ bytes[offset + i];
        return diff == 0;
    }

    QuicResetTokenGenerator resetTokenGenerator()
    {
        return connectionId ->
        {
            byte[] id = new byte[connectionId.remaining()];
            connectionId.duplicate().get(id);
            byte[] token = new byte[16];
            System.arraycopy(mac(resetKey, id), 0, token, 0, token.length);
            return ByteBuffer.wrap(token);
        };
    }

    private static byte[] mac(SecretKeySpec key, byte[]... parts)
    {
        try
        {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(key);
            for (byte[] part : parts)
                mac.update(part);
            return mac.doFinal();
        }
        catch (GeneralSecurityException x)
        {
            throw new IllegalStateException(HMAC + " is not available", x);
        }
    }
}
