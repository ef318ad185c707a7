package io.github.h3connector.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code GET /bytes?n=N}: exactly {@code N} bytes of a fixed pattern, for throughput and integrity checks. Byte
 * {@code i} of the body is {@code (i * 31 + 7) & 0xFF}, so any client can compute the expected SHA-256.
 * {@code N} must be a whole number from 0 to {@link #MAX_BYTES} (1 GiB); anything else is a 400 with a one-line
 * message. {@code POST /bytes} reads the whole request body and answers its SHA-256 (hex) and length, one line, so
 * that uploads can be checked the same way.
 */
public class BytesServlet extends HttpServlet
{
    /** The largest body {@code /bytes} sends: 1 GiB. */
    public static final long MAX_BYTES = 1L << 30;
    /** The pattern repeats every 256 bytes, so a 64 KiB block holds it whole. */
    private static final byte[] BLOCK = new byte[64 * 1024];

    static
    {
        for (int i = 0; i < BLOCK.length; i++)
            BLOCK[i] = pattern(i);
    }

    /** @return byte {@code i} of every {@code /bytes} body */
    public static byte pattern(long i)
    {
        return (byte)((i * 31 + 7) & 0xFF);
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        String n = request.getParameter("n");
        long length;
        if (n == null || n.isEmpty())
        {
            badRequest(response, "missing parameter n: use /bytes?n=NUMBER_OF_BYTES (0 to " + MAX_BYTES + ")");
            return;
        }
        if (!n.matches("[0-9]{1,19}"))
        {
            badRequest(response, n.startsWith("-") && n.substring(1).matches("[0-9]+")
                ? "n must not be negative, got " + n
                : "n must be a whole number of bytes (0 to " + MAX_BYTES + "), got " + abbreviate(n));
            return;
        }
        try
        {
            length = Long.parseLong(n);
        }
        catch (NumberFormatException x)
        {
            length = Long.MAX_VALUE;
        }
        if (length > MAX_BYTES)
        {
            badRequest(response, "n must be at most " + MAX_BYTES + " (1 GiB, the cap of this demo), got " + n);
            return;
        }

        response.setContentType("application/octet-stream");
        response.setHeader("Cache-Control", "no-store");
        response.setContentLengthLong(length);
        OutputStream out = response.getOutputStream();
        long remaining = length;
        while (remaining > 0)
        {
            int chunk = (int)Math.min(remaining, BLOCK.length);
            out.write(BLOCK, 0, chunk);
            remaining -= chunk;
        }
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        MessageDigest digest;
        try
        {
            digest = MessageDigest.getInstance("SHA-256");
        }
        catch (NoSuchAlgorithmException x)
        {
            throw new IllegalStateException("every Java platform has SHA-256", x);
        }
        byte[] buffer = new byte[64 * 1024];
        long length = 0;
        try (InputStream in = request.getInputStream())
        {
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer))
            {
                digest.update(buffer, 0, read);
                length += read;
            }
        }
        response.setContentType("text/plain");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-store");
        response.getWriter().print(HexFormat.of().formatHex(digest.digest()) + " " + length + "\n");
    }

    private static void badRequest(HttpServletResponse response, String message) throws IOException
    {
        response.setStatus(HttpServletResponse.SC_BAD_REQUEST);
        response.setContentType("text/plain");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-store");
        response.getWriter().print(message + "\n");
    }

    /** Echoes at most 40 characters of a bad value, without control characters. */
    private static String abbreviate(String value)
    {
        String clean = value.replaceAll("\\p{Cntrl}", "?");
        return clean.length() <= 40 ? "'" + clean + "'" : "'" + clean.substring(0, 40) + "...'";
    }
}
