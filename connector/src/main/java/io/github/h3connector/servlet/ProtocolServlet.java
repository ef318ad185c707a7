package io.github.h3connector.servlet;

import java.io.IOException;

import io.github.h3connector.H3Attributes;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * A diagnostic endpoint: what h3connector found out about this request, as JSON, for example
 * <pre>{"protocol":"HTTP/3","http3":true,"hopProtocol":"HTTP/1.1","protocolSource":"forwarded",
 *  "servletProtocol":"HTTP/1.1","altSvc":"h3=\":443\"; ma=86400"}</pre>
 * {@code protocol} is what the client used, {@code hopProtocol} what this container received (they differ behind a
 * proxy that terminates HTTP/3), {@code servletProtocol} is {@code getProtocol()}, and {@code altSvc} the
 * {@code Alt-Svc} header of this very response, or null. Map it after {@link AltSvcFilter}, or on a server that uses
 * h3connector's Jetty connector; it reads the {@link H3Attributes} only. Responses are not cacheable.
 */
public class ProtocolServlet extends HttpServlet
{
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-store");
        Object http3 = request.getAttribute(H3Attributes.HTTP3);
        response.getWriter().print("{\"protocol\":" + string(request.getAttribute(H3Attributes.PROTOCOL)) +
            ",\"http3\":" + (http3 instanceof Boolean ? http3 : "null") +
            ",\"hopProtocol\":" + string(request.getAttribute(H3Attributes.HOP_PROTOCOL)) +
            ",\"protocolSource\":" + string(request.getAttribute(H3Attributes.PROTOCOL_SOURCE)) +
            ",\"servletProtocol\":" + string(request.getProtocol()) +
            ",\"altSvc\":" + string(response.getHeader("Alt-Svc")) + "}");
    }

    /** A JSON string literal, or null. */
    static String string(Object value)
    {
        if (value == null)
            return "null";
        String text = value.toString();
        StringBuilder json = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++)
        {
            char c = text.charAt(i);
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
