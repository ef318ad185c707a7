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
     * {@code QuicCodecDispatcher} routes them. The first id of a connection is an HMAC of the client's chosen
     * destination id, so that a retransmitted Initial maps to the same connection; later ones are random.
     */
    QuicConnectionIdGenerator connectionIdGenerator(int index)
    {
        SecureRandom random = new SecureRandom();
        return new QuicConnectionIdGenerator()
        {
            @Override
            public ByteBuffer newId(int length)
            {
                byte[] id = new byte[length];
                random.nextBytes(id);
                return withIndex(id);
            }

            @Override
            public ByteBuffer newId(ByteBuffer input, int length)
            {
                byte[] bytes = new byte[input.remaining()];
                input.duplicate().get(bytes);
                byte[] id = new byte[length];
                System.arraycopy(mac(idKey, bytes), 0, id, 0, length);
                return withIndex(id);
            }

            private ByteBuffer withIndex(byte[] id)
            {
                id[0] = (byte)(index >> 8);
                id[1] = (byte)index;
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
