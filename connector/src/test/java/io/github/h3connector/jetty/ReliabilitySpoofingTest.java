package io.github.h3connector.jetty;

import java.io.IOException;
import java.net.Socket;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import io.github.h3connector.servlet.AltSvcFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Client-supplied proxy headers never change the reported protocol unless the hop that added them is trusted; the
 * {@code Host} header never reaches {@code Alt-Svc}; the plain-HTTP port never gets an {@code Alt-Svc}.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReliabilitySpoofingTest
{
    private static final String[][] SPOOFED = {
        {"Via", "3 evil"}, {"Via", "HTTP/3.0 evil"}, {"X-Forwarded-Protocol", "HTTP/3"}, {"X-Forwarded-Proto", "https"},
        {"Forwarded", "proto=https;host=evil.example"}, {"X-Forwarded-Host", "evil.example"}, {"X-Forwarded-Port", "1"},
    };
    /**
     * Hostile Host values and what each must get: {host, over plain HTTP/1.1 (and from the filter), over HTTP/1.1 on
     * TLS}. "200" is an answer from the application; "400 reason" is Jetty's refusal with that reason (TLS: Jetty's
     * SecureRequestCustomizer refuses a Host that the certificate does not cover, "Invalid SNI").
     */
    private static final String[][] HOSTS = {
        {"evil.example", "200", "400 Invalid SNI"},
        {"evil.example:1", "200", "400 Invalid SNI"},
        // The CRLF ends the Host header: the request carries Host evil.example and an Alt-Svc request header.
        {"evil.example\r\nAlt-Svc: h3=\"evil.example:1\"", "200", "400 Invalid SNI"},
        {"evil.example\rX: y", "400 Bad EOL", "400 Bad EOL"},
        {"\"evil.example\"", "400 Bad HostPort", "400 Bad HostPort"},
        {"evil.example\";h3=\":1", "400 Bad HostPort", "400 Bad HostPort"},
        {"[::1]:1", "200", "400 Invalid SNI"},
        {"", "400 Blank Host", "400 Blank Host"},
    };

    private int checks;

    @Test
    void connectorIgnoresClientHeadersAndHost() throws Exception
    {
        try (TestServer server = new TestServer(H3Options.builder()); TestClients clients = start(server))
        {
            HttpConfiguration shared = server.h3.tlsConnector().getConnectionFactory(HttpConnectionFactory.class).getHttpConfiguration();
            ServerConnector plain = (ServerConnector)server.server.getConnectors()[2];
            String expectedAltSvc = "alt-svc: h3=\":" + server.udpPort() + "\"; ma=86400";
            for (String[] host : HOSTS)
            {
                // HTTP/1.1 over TLS, raw, with every spoofed header at once.
                try (Socket socket = RawHttps.trustingSocket(server.port()))
                {
                    String response = RawHttps.exchange(socket, request("/protocol", host[0]));
                    assertOutcome(host[2], response);
                    assertNoEvilAltSvc(response);
                    checks++;
                }
                // Plain HTTP: never an Alt-Svc.
                try (Socket socket = new Socket("127.0.0.1", plain.getLocalPort()))
                {
                    socket.setSoTimeout(10_000);
                    String response = RawHttps.exchange(socket, request("/protocol", host[0]));
                    assertOutcome(host[1], response);
                    assertFalse(response.contains("alt-svc"), response);
                    if (host[1].equals("200"))
                        assertTrue(response.contains("\"protocol\":\"HTTP/1.1\",\"http3\":false"), response);
                    checks++;
                }
            }
            // HTTP/1.1 over TLS with a Host the certificate covers, so that the request reaches the customizers: the
            // spoofed headers change nothing, and the Alt-Svc is the connector's.
            try (Socket socket = RawHttps.trustingSocket(server.port()))
            {
                String response = RawHttps.exchange(socket, request("/protocol", "localhost:" + server.port()));
                assertOutcome("200", response);
                assertTrue(response.contains(expectedAltSvc), response);
                assertTrue(response.contains("\"protocol\":\"HTTP/1.1\",\"http3\":false"), response);
                checks++;
            }
            // HTTP/2 and HTTP/3 with the spoofed headers and a foreign Host/:authority.
            for (HttpClient client : List.of(clients.http2, clients.http3))
            {
                for (String host : List.of("evil.example", "evil.example:1"))
                {
                    ContentResponse response = client.newRequest(server.url("/protocol")).headers(headers ->
                    {
                        for (String[] header : SPOOFED)
                            headers.add(header[0], header[1]);
                        headers.put(HttpHeader.HOST, host);
                    }).timeout(10, TimeUnit.SECONDS).send();
                    String body = response.getContentAsString();
                    assertEquals(200, response.getStatus(), body);
                    String version = client == clients.http2 ? "HTTP/2" : "HTTP/3";
                    assertTrue(body.startsWith("{\"protocol\":\"" + version + "\""), body);
                    for (String altSvc : response.getHeaders().getValuesList(HttpHeader.ALT_SVC))
                        assertFalse(altSvc.toLowerCase(Locale.ROOT).contains("evil"), altSvc);
                    checks++;
                }
            }
            assertEquals(HOSTS.length * 2 + 1 + 4, checks);
            assertTrue(shared.getCustomizers().stream().anyMatch(AltSvcCustomizer.class::isInstance));
            ReliabilitySupport.figure("spoofing-connector", checks + " requests with spoofed Via/X-Forwarded-Protocol/Forwarded/X-Forwarded-* and " + HOSTS.length +
                " hostile Host values, each with the status it must get, over HTTP/1.1, HTTP/2, HTTP/3 and plain HTTP: protocol always the connection's, Alt-Svc never contains the Host, plain HTTP never gets Alt-Svc");
        }
    }

    private static TestClients start(TestServer server) throws Exception
    {
        HttpConfiguration shared = server.h3.tlsConnector().getConnectionFactory(HttpConnectionFactory.class).getHttpConfiguration();
        ServerConnector plain = new ServerConnector(server.server, new HttpConnectionFactory(shared));
        plain.setHost("127.0.0.1");
        server.server.addConnector(plain);
        server.server.start();
        return new TestClients();
    }

    @Test
    void filterBelievesOnlyTheTrustedLastHop() throws Exception
    {
        Server server = new Server();
        ServerConnector plain = new ServerConnector(server);
        plain.setHost("127.0.0.1");
        server.addConnector(plain);
        server.setHandler(new Handler.Sequence(
            context("/untrusted", "h3-port", "443"),
            context("/trusted", "h3-port", "443", "trusted-proxies", "127.0.0.1"),
            context("/trusted-xfp", "h3-port", "443", "trusted-proxies", "127.0.0.1", "protocol-header", "X-Forwarded-Protocol"),
            context("/elsewhere", "h3-port", "443", "trusted-proxies", "10.0.0.0/8")));
        server.start();
        try
        {
            int port = plain.getLocalPort();
            // Untrusted peer: nothing the client sends counts.
            for (String[] host : HOSTS)
            {
                String response = get(port, "/untrusted/", host[0]);
                assertOutcome(host[1], response);
                assertNoEvilAltSvc(response);
                assertFalse(response.contains("alt-svc"), "plain HTTP, untrusted X-Forwarded-Proto: " + response);
                if (host[1].equals("200"))
                    assertTrue(response.contains("\"protocol\":\"HTTP/1.1\",\"http3\":false"), response);
                response = get(port, "/elsewhere/", host[0]);
                assertOutcome(host[1], response);
                assertFalse(response.contains("alt-svc"), response);
                if (host[1].equals("200"))
                    assertTrue(response.contains("\"protocol\":\"HTTP/1.1\",\"http3\":false"), response);
            }
            // Trusted proxy: only its own (last) Via entry or header value counts.
            assertProtocol(port, "/trusted/", "Via: 3 client-forged, 1.1 proxy", "HTTP/1.1");
            assertProtocol(port, "/trusted/", "Via: 3 client-forged\r\nVia: 1.1 proxy", "HTTP/1.1");
            assertProtocol(port, "/trusted/", "Via: 1.1 client, 3 edge", "HTTP/3");
            assertProtocol(port, "/trusted-xfp/", "X-Forwarded-Protocol: HTTP/3, HTTP/1.1", "HTTP/1.1");
            assertProtocol(port, "/trusted-xfp/", "X-Forwarded-Protocol: HTTP/1.1, HTTP/3", "HTTP/3");
            assertProtocol(port, "/trusted-xfp/", "Via: 3 edge", "HTTP/1.1");
            // Trusted proxy that says its client used plain HTTP: no Alt-Svc; https: Alt-Svc, without the Host.
            String insecure = exchange(port, "GET /trusted/ HTTP/1.1\r\nHost: evil.example\r\nX-Forwarded-Proto: https, http\r\nConnection: close\r\n\r\n");
            assertOutcome("200", insecure);
            assertFalse(insecure.contains("alt-svc"), insecure);
            String secure = exchange(port, "GET /trusted/ HTTP/1.1\r\nHost: evil.example\r\nX-Forwarded-Proto: http, https\r\nConnection: close\r\n\r\n");
            assertOutcome("200", secure);
            assertTrue(secure.contains("alt-svc: h3=\":443\"; ma=86400"), secure);
            assertNoEvilAltSvc(secure);
            ReliabilitySupport.figure("spoofing-filter", (HOSTS.length * 2 + 8) + " requests to AltSvcFilter on plain HTTP: untrusted peers' Via/X-Forwarded-* ignored, " +
                "a trusted proxy's earlier (client-written) entries ignored, no Alt-Svc unless a trusted proxy reports https, Alt-Svc never carries the Host");
        }
        finally
        {
            server.stop();
        }
    }

    private static void assertProtocol(int port, String path, String headers, String protocol) throws Exception
    {
        String response = exchange(port, "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n" + headers + "\r\nConnection: close\r\n\r\n");
        assertOutcome("200", response);
        assertTrue(response.contains("\"protocol\":\"" + protocol + "\""), headers + " -> " + response);
    }

    private static String get(int port, String path, String host) throws Exception
    {
        return exchange(port, request(path, host));
    }

    private static String exchange(int port, String request) throws Exception
    {
        try (Socket socket = new Socket("127.0.0.1", port))
        {
            socket.setSoTimeout(10_000);
            return RawHttps.exchange(socket, request);
        }
    }

    private static String request(String path, String host)
    {
        StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n");
        for (String[] header : SPOOFED)
            request.append(header[0]).append(": ").append(header[1]).append("\r\n");
        return request.append("Connection: close\r\n\r\n").toString();
    }

    /** {@code expected} is "200", or "400 reason" for Jetty's error page with that reason. */
    private static void assertOutcome(String expected, String response)
    {
        if (expected.equals("200"))
        {
            assertTrue(response.startsWith("http/1.1 200 ok\n"), "expected 200: " + response);
        }
        else
        {
            assertTrue(response.startsWith("http/1.1 400 bad request\n"), "expected " + expected + ": " + response);
            assertTrue(response.contains("<title>Error " + expected + "</title>"), "expected " + expected + ": " + response);
        }
    }

    private static void assertNoEvilAltSvc(String response)
    {
        response.lines().filter(line -> line.startsWith("alt-svc")).forEach(line -> assertFalse(line.contains("evil") || line.contains(":1\""), line));
    }

    private static ServletContextHandler context(String path, String... params)
    {
        ServletContextHandler context = new ServletContextHandler(path);
        FilterHolder filter = new FilterHolder(AltSvcFilter.class);
        for (int i = 0; i < params.length; i += 2)
            filter.setInitParameter(params[i], params[i + 1]);
        context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ERROR));
        context.addServlet(new ServletHolder(new HttpServlet()
        {
            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
            {
                response.getWriter().print(TestServer.json(request, response));
            }
        }), "/*");
        return context;
    }
}
