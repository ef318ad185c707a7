package io.github.h3connector.demo;

import java.io.IOException;

import io.github.h3connector.H3Attributes;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code GET /protocol}: how this request arrived, as JSON, for example
 * {@code {"protocol":"HTTP/3","http3":true,"servletProtocol":"HTTP/3.0","altSvc":null}} or, over HTTP/2,
 * {@code {"protocol":"HTTP/2","http3":false,"servletProtocol":"HTTP/2.0","altSvc":"h3=\":8443\"; ma=86400"}}.
 * {@code altSvc} is the {@code Alt-Svc} header of this very response (set by the connector before the servlet runs),
 * or null when there is none.
 */
public class ProtocolServlet extends HttpServlet
{
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-store");
        response.getWriter().print(json(request, response));
    }

    static String json(HttpServletRequest request, HttpServletResponse response)
    {
        return "{\"protocol\":" + Json.string(request.getAttribute(H3Attributes.PROTOCOL)) +
            ",\"http3\":" + Json.bool(request.getAttribute(H3Attributes.HTTP3)) +
            ",\"servletProtocol\":" + Json.string(request.getProtocol()) +
            ",\"altSvc\":" + Json.string(response.getHeader("Alt-Svc")) + "}";
    }
}
