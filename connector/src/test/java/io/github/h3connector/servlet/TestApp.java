package io.github.h3connector.servlet;

import java.io.IOException;

import io.github.h3connector.H3Attributes;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The application under the filter: {@code ?do=…} picks what it does to the response, and every body ends with the
 * protocol attributes as {@code protocol|http3|hopProtocol|protocolSource}.
 */
final class TestApp extends HttpServlet
{
    /** A value an application could set itself. */
    static final String APP_VALUE = "h2=\":9443\"; ma=60";

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws ServletException, IOException
    {
        String action = request.getParameter("do");
        if (action == null)
            action = "attributes";
        switch (action)
        {
            case "attributes" -> write(request, response, "ok");
            case "commit" ->
            {
                write(request, response, "committed");
                response.flushBuffer();
            }
            case "throw" -> throw new ServletException("thrown by the application");
            case "reset" ->
            {
                response.setHeader("X-Before-Reset", "yes");
                response.getWriter().write("to be reset");
                response.reset();
                write(request, response, "after reset");
            }
            case "reset-app" ->
            {
                response.setHeader("Alt-Svc", APP_VALUE);
                response.reset();
                write(request, response, "after reset");
            }
            case "send-error" -> response.sendError(404);
            case "send-error-message" -> response.sendError(503, "try later");
            case "app-set" ->
            {
                response.setHeader("Alt-Svc", APP_VALUE);
                write(request, response, "app set");
            }
            case "app-add" ->
            {
                response.addHeader("alt-svc", APP_VALUE);
                write(request, response, "app added");
            }
            case "app-set-then-error" ->
            {
                response.setHeader("Alt-Svc", APP_VALUE);
                response.sendError(404);
            }
            case "async" ->
            {
                AsyncContext async = request.startAsync();
                async.start(() ->
                {
                    try
                    {
                        write(request, async.getResponse() instanceof HttpServletResponse r ? r : response, "async");
                    }
                    catch (IOException x)
                    {
                        throw new RuntimeException(x);
                    }
                    async.complete();
                });
            }
            case "async-dispatch" ->
            {
                if (request.getDispatcherType() == DispatcherType.ASYNC)
                    write(request, response, "async dispatch");
                else
                {
                    AsyncContext async = request.startAsync(request, response);
                    async.start(async::dispatch);
                }
            }
            case "async-dispatch-original" ->
            {
                if (request.getDispatcherType() == DispatcherType.ASYNC)
                    write(request, response, "async dispatch");
                else
                {
                    AsyncContext async = request.startAsync();
                    async.start(async::dispatch);
                }
            }
            default -> response.sendError(400, "unknown action");
        }
    }

    static void write(HttpServletRequest request, HttpServletResponse response, String what) throws IOException
    {
        response.setContentType("text/plain");
        response.getWriter().write(what + "\n" + attributes(request));
    }

    static String attributes(HttpServletRequest request)
    {
        return request.getAttribute(H3Attributes.PROTOCOL) + "|" + request.getAttribute(H3Attributes.HTTP3) + "|"
            + request.getAttribute(H3Attributes.HOP_PROTOCOL) + "|" + request.getAttribute(H3Attributes.PROTOCOL_SOURCE);
    }

    /** The error page: says which dispatch rendered it. */
    static final class ErrorPage extends HttpServlet
    {
        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException
        {
            response.setContentType("text/plain");
            response.getWriter().write("error page " + request.getDispatcherType() + "\n" + attributes(request));
        }
    }
}
