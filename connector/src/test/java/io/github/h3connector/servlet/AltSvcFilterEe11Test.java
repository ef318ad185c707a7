package io.github.h3connector.servlet;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.util.component.LifeCycle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The main cases again on Jetty's ee11 environment (Servlet 6.1 container).
 */
@Timeout(30)
class AltSvcFilterEe11Test
{
    private static HttpClient client;
    private TestServer server;

    @BeforeAll
    static void startClient() throws Exception
    {
        client = new HttpClient();
        client.start();
    }

    @AfterAll
    static void stopClient()
    {
        LifeCycle.stop(client);
    }

    @AfterEach
    void stopServer()
    {
        if (server != null)
            server.close();
    }

    private ContentResponse get(String action, String... header) throws Exception
    {
        var request = client.newRequest(server.uri(action)).timeout(10, TimeUnit.SECONDS);
        if (header.length == 2)
            request.headers(h -> h.add(header[0], header[1]));
        return request.send();
    }

    @ParameterizedTest(name = "do={0}")
    @ValueSource(strings = {"attributes", "commit", "reset", "send-error", "throw", "async", "async-dispatch"})
    void exactlyOneHeaderReplacingTheContainers(String action) throws Exception
    {
        server = new TestServer().environment(TestServer.Environment.EE11).param("h3-port", "8443").param("advertise", "always")
            .errorPages().customizer((request, responseHeaders) ->
            {
                responseHeaders.add("Alt-Svc", "h3=\":8444\"");
                return request;
            }).start();
        ContentResponse response = get(action);
        assertEquals(List.of(AltSvcFilterTest.H3), response.getHeaders().getValuesList("Alt-Svc"), action);
    }

    @Test
    void applicationValueWins() throws Exception
    {
        server = new TestServer().environment(TestServer.Environment.EE11).param("h3-port", "8443").param("advertise", "always").start();
        assertEquals(List.of(TestApp.APP_VALUE), get("app-set").getHeaders().getValuesList("Alt-Svc"));
    }

    @Test
    void trustedProxyViaAndSecureDefault() throws Exception
    {
        server = new TestServer().environment(TestServer.Environment.EE11).param("h3-port", "8443")
            .param("trusted-proxies", "127.0.0.0/8").start();
        ContentResponse response = get("attributes", "Via", "1.1 x, HTTP/3.0 edge");
        assertEquals("ok\nHTTP/3|true|HTTP/1.1|forwarded", response.getContentAsString());
        assertEquals(List.of(AltSvcFilterTest.H3), response.getHeaders().getValuesList("Alt-Svc"));
        // The spoofed entry before the trusted proxy's own changes nothing, and plain HTTP gets no header.
        response = get("attributes", "Via", "3 x, 1.1 proxy");
        assertEquals("ok\nHTTP/1.1|false|HTTP/1.1|forwarded", response.getContentAsString());
        assertEquals(List.of(), response.getHeaders().getValuesList("Alt-Svc"));
    }
}
