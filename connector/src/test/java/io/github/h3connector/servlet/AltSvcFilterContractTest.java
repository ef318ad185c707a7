package io.github.h3connector.servlet;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.github.h3connector.H3Attributes;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The response contract against a container stricter than Jetty: this one clears every header on {@code reset()}
 * <em>and</em> on {@code sendError()}, as the servlet specification allows, and runs the ERROR dispatch on its own
 * response rather than on the filter's wrapper. Jetty keeps headers through {@code sendError()}, so the end-to-end
 * tests cannot tell whether the filter would cope; these can.
 */
class AltSvcFilterContractTest
{
    private static final String H3 = "h3=\":443\"; ma=86400";

    /** A request and response held in maps, behind the servlet interfaces. */
    static final class Exchange
    {
        final Map<String, Object> attributes = new HashMap<>();
        final Map<String, List<String>> requestHeaders = new LinkedHashMap<>();
        final Map<String, List<String>> responseHeaders = new LinkedHashMap<>();
        DispatcherType dispatch = DispatcherType.REQUEST;
        String remoteAddr = "192.0.2.1";
        boolean secure = true;
        int status = 200;

        final HttpServletRequest request = (HttpServletRequest)Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[]{HttpServletRequest.class}, (p, method, args) -> switch (method.getName())
            {
                case "getRemoteAddr" -> remoteAddr;
                case "getProtocol" -> "HTTP/1.1";
                case "isSecure" -> secure;
                case "getDispatcherType" -> dispatch;
                case "getAttribute" -> attributes.get((String)args[0]);
                case "setAttribute" -> attributes.put((String)args[0], args[1]);
                case "getHeaders" -> Collections.enumeration(requestHeaders.getOrDefault(((String)args[0]).toLowerCase(Locale.ROOT), List.of()));
                case "hashCode" -> System.identityHashCode(p);
                case "equals" -> p == args[0];
                default -> throw new UnsupportedOperationException(method.getName());
            });

        final HttpServletResponse response = (HttpServletResponse)Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[]{HttpServletResponse.class}, (p, method, args) ->
            {
                String name = args != null && args.length > 0 && args[0] instanceof String s ? s.toLowerCase(Locale.ROOT) : null;
                switch (method.getName())
                {
                    case "setHeader" ->
                    {
                        if (args[1] == null)
                            responseHeaders.remove(name);
                        else
                            responseHeaders.put(name, new ArrayList<>(List.of((String)args[1])));
                    }
                    case "addHeader" -> responseHeaders.computeIfAbsent(name, n -> new ArrayList<>()).add((String)args[1]);
                    case "getHeader" ->
                    {
                        List<String> values = responseHeaders.get(name);
                        return values == null ? null : values.get(0);
                    }
                    case "reset" -> responseHeaders.clear();
                    case "sendError" ->
                    {
                        responseHeaders.clear();
                        status = (Integer)args[0];
                    }
                    case "isCommitted" ->
                    {
                        return false;
                    }
                    case "hashCode" ->
                    {
                        return System.identityHashCode(p);
                    }
                    case "equals" ->
                    {
                        return p == args[0];
                    }
                    default -> throw new UnsupportedOperationException(method.getName());
                }
                return null;
            });

        Exchange header(String name, String value)
        {
            requestHeaders.computeIfAbsent(name.toLowerCase(Locale.ROOT), n -> new ArrayList<>()).add(value);
            return this;
        }

        List<String> altSvc()
        {
            return responseHeaders.getOrDefault("alt-svc", List.of());
        }
    }

    interface App
    {
        void run(HttpServletResponse response) throws Exception;
    }

    private static AltSvcFilter filter(String... params) throws ServletException
    {
        AltSvcFilter filter = new AltSvcFilter();
        filter.init(AltSvcFilterInitTest.config(params));
        return filter;
    }

    private static ServletResponse run(AltSvcFilter filter, Exchange exchange, ServletResponse response, App app) throws Exception
    {
        ServletResponse[] passedOn = new ServletResponse[1];
        FilterChain chain = (ServletRequest req, ServletResponse res) ->
        {
            passedOn[0] = res;
            try
            {
                app.run((HttpServletResponse)res);
            }
            catch (Exception x)
            {
                throw new ServletException(x);
            }
        };
        filter.doFilter(exchange.request, response, chain);
        return passedOn[0];
    }

    @Test
    void setBeforeTheChainReplacingTheContainersValue() throws Exception
    {
        Exchange exchange = new Exchange();
        exchange.response.addHeader("Alt-Svc", "h3=\":8444\"");
        List<List<String>> seenByApp = new ArrayList<>();
        run(filter("h3-port", "443"), exchange, exchange.response, r -> seenByApp.add(List.copyOf(exchange.altSvc())));
        assertEquals(List.of(List.of(H3)), seenByApp);
        assertEquals(List.of(H3), exchange.altSvc());
    }

    @Test
    void keptThroughResetAndSendErrorThatClearHeaders() throws Exception
    {
        Exchange exchange = new Exchange();
        run(filter("h3-port", "443"), exchange, exchange.response, r ->
        {
            r.setHeader("X-Other", "1");
            r.reset();
            assertEquals(List.of(H3), exchange.altSvc());
            r.sendError(404);
        });
        assertEquals(404, exchange.status);
        assertEquals(List.of(H3), exchange.altSvc());
        assertEquals(null, exchange.responseHeaders.get("x-other"));

        Exchange withMessage = new Exchange();
        run(filter("h3-port", "443"), withMessage, withMessage.response, r -> r.sendError(503, "later"));
        assertEquals(List.of(H3), withMessage.altSvc());
    }

    @Test
    void errorDispatchOnTheContainersResponse() throws Exception
    {
        AltSvcFilter filter = filter("h3-port", "443");
        Exchange exchange = new Exchange();
        // The application throws; the container clears the response and dispatches to its error page.
        run(filter, exchange, exchange.response, r -> exchange.responseHeaders.clear());
        exchange.dispatch = DispatcherType.ERROR;
        exchange.responseHeaders.clear();
        run(filter, exchange, exchange.response, r -> { });
        assertEquals(List.of(H3), exchange.altSvc());
    }

    @Test
    void applicationValueSurvivesTheErrorDispatchWhenItWins() throws Exception
    {
        AltSvcFilter filter = filter("h3-port", "443");
        Exchange exchange = new Exchange();
        run(filter, exchange, exchange.response, r -> r.setHeader("Alt-Svc", "clear"));
        assertEquals(List.of("clear"), exchange.altSvc());
        exchange.dispatch = DispatcherType.ERROR;
        run(filter, exchange, exchange.response, r -> { });
        assertEquals(List.of("clear"), exchange.altSvc());
    }

    @Test
    void applicationValueIsDroppedWhenItDoesNotWin() throws Exception
    {
        AltSvcFilter filter = filter("h3-port", "443", "application-wins", "false");
        Exchange exchange = new Exchange();
        run(filter, exchange, exchange.response, r ->
        {
            r.setHeader("Alt-Svc", "clear");
            r.addHeader("ALT-SVC", "h2=\":1\"");
        });
        assertEquals(List.of(H3), exchange.altSvc());
        // Even if the application went around the wrapper, the next dispatch puts the filter's value back.
        exchange.response.setHeader("Alt-Svc", "clear");
        exchange.dispatch = DispatcherType.ERROR;
        run(filter, exchange, exchange.response, r -> { });
        assertEquals(List.of(H3), exchange.altSvc());
    }

    @Test
    void applicationAddReplacesOnceThenAppends() throws Exception
    {
        Exchange exchange = new Exchange();
        run(filter("h3-port", "443"), exchange, exchange.response, r ->
        {
            r.addHeader("Alt-Svc", "h2=\":1\"");
            r.addHeader("Alt-Svc", "h2=\":2\"");
        });
        assertEquals(List.of("h2=\":1\"", "h2=\":2\""), exchange.altSvc());
    }

    @Test
    void applicationCanRemoveTheHeader() throws Exception
    {
        Exchange exchange = new Exchange();
        run(filter("h3-port", "443"), exchange, exchange.response, r -> r.setHeader("Alt-Svc", null));
        assertEquals(List.of(), exchange.altSvc());
    }

    @Test
    void asyncDispatchWithTheWrapperReusesIt() throws Exception
    {
        AltSvcFilter filter = filter("h3-port", "443");
        Exchange exchange = new Exchange();
        ServletResponse wrapper = run(filter, exchange, exchange.response, r -> { });
        // startAsync(request, response) then dispatch(): the container hands the filter its own wrapper again.
        exchange.dispatch = DispatcherType.ASYNC;
        exchange.responseHeaders.clear();
        ServletResponse second = run(filter, exchange, wrapper, r -> r.sendError(500));
        assertSame(wrapper, second);
        assertEquals(List.of(H3), exchange.altSvc());
    }

    @Test
    void neverCreatesNoWrapper() throws Exception
    {
        Exchange exchange = new Exchange();
        ServletResponse passedOn = run(filter("advertise", "never"), exchange, exchange.response, r -> { });
        assertSame(exchange.response, passedOn);
        assertEquals(List.of(), exchange.altSvc());
        assertEquals("HTTP/1.1", exchange.attributes.get(H3Attributes.PROTOCOL));
    }

    @Test
    void secureUnmetCreatesNoWrapper() throws Exception
    {
        Exchange exchange = new Exchange();
        exchange.secure = false;
        ServletResponse passedOn = run(filter("h3-port", "443"), exchange, exchange.response, r -> { });
        assertSame(exchange.response, passedOn);
        assertEquals(List.of(), exchange.altSvc());
    }

    @Test
    void forwardedProtoFromTrustedProxyDecidesSecure() throws Exception
    {
        AltSvcFilter filter = filter("h3-port", "443", "trusted-proxies", "192.0.2.0/24");
        Exchange plainToClient = new Exchange().header("X-Forwarded-Proto", "http");
        run(filter, plainToClient, plainToClient.response, r -> { });
        assertEquals(List.of(), plainToClient.altSvc(), "the proxy says the client used http, though this hop is TLS");

        Exchange tlsToClient = new Exchange().header("Forwarded", "for=198.51.100.7;proto=https");
        tlsToClient.secure = false;
        run(filter, tlsToClient, tlsToClient.response, r -> { });
        assertEquals(List.of(H3), tlsToClient.altSvc());

        Exchange untrusted = new Exchange().header("X-Forwarded-Proto", "https");
        untrusted.secure = false;
        untrusted.remoteAddr = "198.51.100.7";
        run(filter, untrusted, untrusted.response, r -> { });
        assertEquals(List.of(), untrusted.altSvc());
    }

    @Test
    void attributesOfAnIisStyleProxy() throws Exception
    {
        AltSvcFilter filter = filter("advertise", "never", "trusted-proxies", "::1, 127.0.0.1", "protocol-header", "X-Forwarded-Protocol");
        Exchange exchange = new Exchange().header("X-Forwarded-Protocol", "HTTP/3");
        exchange.remoteAddr = "0:0:0:0:0:0:0:1";
        run(filter, exchange, exchange.response, r -> { });
        assertEquals("HTTP/3", exchange.attributes.get(H3Attributes.PROTOCOL));
        assertEquals(Boolean.TRUE, exchange.attributes.get(H3Attributes.HTTP3));
        assertEquals("HTTP/1.1", exchange.attributes.get(H3Attributes.HOP_PROTOCOL));
        assertEquals(H3Attributes.SOURCE_FORWARDED, exchange.attributes.get(H3Attributes.PROTOCOL_SOURCE));
        assertTrue(exchange.altSvc().isEmpty());
    }
}
