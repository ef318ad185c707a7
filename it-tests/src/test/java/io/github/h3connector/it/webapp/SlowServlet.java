package io.github.h3connector.it.webapp;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Runs in the container (exploded webapp {@code /slow}): {@code GET /slow/stream?chunks=N&delayMs=D} sends N chunks
 * of 1024 bytes ({@code 'a'+i%26}), flushing each and sleeping D ms between them, with a Content-Length.
 */
public class SlowServlet extends HttpServlet
{
    public static final int CHUNK = 1024;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        int chunks = Integer.parseInt(request.getParameter("chunks") == null ? "10" : request.getParameter("chunks"));
        long delay = Long.parseLong(request.getParameter("delayMs") == null ? "500" : request.getParameter("delayMs"));
        response.setContentType("application/octet-stream");
        response.setContentLength(chunks * CHUNK);
        OutputStream out = response.getOutputStream();
        byte[] chunk = new byte[CHUNK];
        for (int i = 0; i < chunks; i++)
        {
            Arrays.fill(chunk, (byte)('a' + i % 26));
            out.write(chunk);
            out.flush();
            if (i + 1 < chunks)
            {
                try
                {
                    Thread.sleep(delay);
                }
                catch (InterruptedException x)
                {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted after chunk " + i, x);
                }
            }
        }
    }
}
