package io.github.h3connector.examples.proxy;

import java.io.IOException;

import io.github.h3connector.H3Attributes;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code GET /protocol}: what AltSvcFilter found out about this request, as JSON, for example
 * <pre>{"protocol":"HTTP/3","http3":true,"hopProtocol":"HTTP/1.1","protocolSource":"forwarded",
 *  "servletProtocol":"HTTP/1.1","altSvc":"h3=\":443\"; ma=86400"}</pre>
 * {@code protocol} is what the client used, {@code hopProtocol} what this container received (they differ behind a
 * proxy that terminates HTTP/3), {@code altSvc} the {@code Alt-Svc} header of this very response or null. Needs the
 * servlet API only.
 */
public class ProtocolServlet extends HttpServlet
{
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-store");
        response.getWriter().print("{\"protocol\":" + string(request.getAttribute(H3Attributes.PROTOCOL)) +
            ",\"http3\":" + (request.getAttribute(H3Attributes.HTTP3) instanceof Boolean b ? b : null) +
            ",\"hopProtocol\":" + string(request.getAttribute(H3Attributes.HOP_PROTOCOL)) +
            ",\"protocolSource\":" + string(request.getAttribute(H3Attributes.PROTOCOL_SOURCE)) +
            ",\"servletProtocol\":" + string(request.getProtocol()) +
            ",\"altSvc\":" + string(response.getHeader("Alt-Svc")) + "}");
    }

    /** A JSON string literal, or null. */
    private static String string(Object value)
    {
        if (value == null)
            return "null";
        StringBuilder json = new StringBuilder("\"");
        for (char c : value.toString().toCharArray())
        {
            if (c == '"' || c == '\\')
                json.append('\\').append(c);
            else if (c < 0x20)
                json.append(String.format("\\u%04x", (int)c));
            else
                json.append(c);
        }
        return json.append('"').toString();
    }
}
