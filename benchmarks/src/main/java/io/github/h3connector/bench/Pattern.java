package io.github.h3connector.bench;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The body every download and upload carries: byte {@code i} is {@code (i * 31 + 7) & 0xFF}, the pattern of the
 * embedded demo's {@code /bytes?n=N}, so any client can compute the expected SHA-256.
 */
final class Pattern
{
    /** The pattern repeats every 256 bytes, so a 64 KiB block holds it whole. */
    static final byte[] BLOCK = new byte[64 * 1024];

    static
    {
        for (int i = 0; i < BLOCK.length; i++)
            BLOCK[i] = (byte)((i * 31 + 7) & 0xFF);
    }

    private Pattern()
    {
    }

    static byte[] bytes(int length)
    {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
            bytes[i] = (byte)((i * 31 + 7) & 0xFF);
        return bytes;
    }

    /** @return the SHA-256 of the first {@code length} bytes of the pattern, in hex */
    static String sha256(long length)
    {
        MessageDigest digest = sha256();
        long remaining = length;
        while (remaining > 0)
        {
            int chunk = (int)Math.min(remaining, BLOCK.length);
            digest.update(BLOCK, 0, chunk);
            remaining -= chunk;
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    static MessageDigest sha256()
    {
        try
        {
            return MessageDigest.getInstance("SHA-256");
        }
        catch (NoSuchAlgorithmException x)
        {
            throw new IllegalStateException(x);
        }
    }
}
