package io.github.h3connector.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import io.github.h3connector.H3Attributes;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code GET /}: the page {@code index.html} (a resource next to this class, no external CSS or JavaScript), with the
 * protocol of this very page load filled in by the server.
 */
public class IndexServlet extends HttpServlet
{
    private static final String PAGE = load();

    private static String load()
    {
        try (InputStream in = IndexServlet.class.getResourceAsStream("index.html"))
        {
            if (in == null)
                throw new IllegalStateException("index.html is missing from the classpath");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        catch (IOException x)
        {
            throw new UncheckedIOException(x);
        }
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        if (!"/".equals(request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo())))
        {
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        response.setContentType("text/html");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-store");
        response.getWriter().print(PAGE
            .replace("{{protocol}}", html(request.getAttribute(H3Attributes.PROTOCOL)))
            .replace("{{servletProtocol}}", html(request.getProtocol())));
    }

    private static String html(Object value)
    {
        return value == null ? "unknown" : value.toString()
            .replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
