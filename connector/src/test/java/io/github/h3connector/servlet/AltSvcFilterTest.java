package io.github.h3connector.servlet;

import java.net.URI;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.h3connector.H3Attributes;
import jakarta.servlet.DispatcherType;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.component.LifeCycle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The filter in a real Jetty ee10 context, over plain HTTP/1.1 with {@code advertise=always} (or a trusted proxy's
 * {@code X-Forwarded-Proto}) where TLS would otherwise be needed.
 */
@Timeout(30)
class AltSvcFilterTest
{
    static final String H3 = "h3=\":8443\"; ma=86400";

    private static HttpClient client;
    private TestServer server;

    @BeforeAll
    static void startClient() throws Exception
    {
        client = new HttpClient();
        client.setFollowRedirects(false);
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

    private TestServer always()
    {
        return new TestServer().param("h3-port", "8443").param("advertise", "always");
    }

    static ContentResponse get(URI uri, String... headers) throws Exception
    {
        var request = client.newRequest(uri).timeout(10, TimeUnit.SECONDS);
        for (int i = 0; i < headers.length; i += 2)
        {
            String name = headers[i];
            String value = headers[i + 1];
            request.headers(h -> h.add(name, value));
        }
        return request.send();
    }

    static List<String> altSvc(ContentResponse response)
    {
        return response.getHeaders().getValuesList("Alt-Svc");
    }

    @ParameterizedTest(name = "do={0}")
    @ValueSource(strings = {"attributes", "commit", "reset", "async", "async-dispatch", "async-dispatch-original"})
    void headerOnSuccessfulResponses(String action) throws Exception
    {
        server = always().start();
        ContentResponse response = get(server.uri(action));
        assertEquals(200, response.getStatus(), response.getContentAsString());
        assertEquals(List.of(H3), altSvc(response));
        assertTrue(response.getContentAsString().endsWith("\nHTTP/1.1|false|HTTP/1.1|connection"), response.getContentAsString());
    }

    @Test
    void resetClearsOtherHeadersButNotAltSvc() throws Exception
    {
        server = always().start();
        ContentResponse response = get(server.uri("reset"));
        assertEquals(null, response.getHeaders().get("X-Before-Reset"));
        assertEquals("after reset", response.getContentAsString().lines().findFirst().orElseThrow());
        assertEquals(List.of(H3), altSvc(response));
    }

    @ParameterizedTest(name = "error pages {0}")
    @ValueSource(booleans = {false, true})
    void headerOnErrors(boolean errorPages) throws Exception
    {
        server = always();
        if (errorPages)
            server.errorPages();
        server.start();
        for (String action : List.of("throw", "send-error", "send-error-message"))
        {
            ContentResponse response = get(server.uri(action));
            int expected = action.equals("throw") ? 500 : action.equals("send-error") ? 404 : 503;
            assertEquals(expected, response.getStatus(), action);
            assertEquals(List.of(H3), altSvc(response), action);
            if (errorPages)
                assertTrue(response.getContentAsString().startsWith("error page ERROR\n"), response.getContentAsString());
        }
    }

    @Test
    void headerOnErrorsWhenMappedForRequestOnly() throws Exception
    {
        // Without the ERROR mapping, only the wrapper keeps the header through sendError().
        server = always().dispatches(EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC)).errorPages().start();
        for (String action : List.of("send-error", "send-error-message"))
        {
            ContentResponse response = get(server.uri(action));
            assertEquals(List.of(H3), altSvc(response), action);
            assertTrue(response.getContentAsString().startsWith("error page ERROR\n"), response.getContentAsString());
        }
    }

    @Test
    void errorDispatchSeesTheAttributes() throws Exception
    {
        server = always().errorPages().start();
        ContentResponse response = get(server.uri("send-error"));
        assertEquals("error page ERROR\nHTTP/1.1|false|HTTP/1.1|connection", response.getContentAsString());
    }

    @Test
    void secureIsTheDefaultAndPlainHttpGetsNoHeader() throws Exception
    {
        server = new TestServer().param("h3-port", "8443").start();
        ContentResponse response = get(server.uri("attributes"));
        assertEquals(List.of(), altSvc(response));
        // The attributes are set anyway.
        assertTrue(response.getContentAsString().endsWith("\nHTTP/1.1|false|HTTP/1.1|connection"));
    }

    @Test
    void secureWithTlsReportedByTrustedProxy() throws Exception
    {
        server = new TestServer().param("h3-port", "8443").param("trusted-proxies", "127.0.0.1").start();
        assertEquals(List.of(H3), altSvc(get(server.uri(null), "X-Forwarded-Proto", "https")));
        assertEquals(List.of(H3), altSvc(get(server.uri(null), "Forwarded", "for=192.0.2.60;proto=https;by=203.0.113.43")));
        assertEquals(List.of(H3), altSvc(get(server.uri(null), "Forwarded", "for=\"[2001:db8::1]\";proto=\"HTTPS\"")));
        // The nearest proxy's element counts: it received http.
        assertEquals(List.of(), altSvc(get(server.uri(null), "X-Forwarded-Proto", "https, http")));
        assertEquals(List.of(), altSvc(get(server.uri(null), "Forwarded", "proto=https, for=10.0.0.1;proto=http")));
        assertEquals(List.of(), altSvc(get(server.uri(null), "X-Forwarded-Proto", "http")));
        // HTTP/3 reported by the trusted proxy means TLS.
        assertEquals(List.of(H3), altSvc(get(server.uri(null), "Via", "3 edge")));
    }

    @Test
    void secureIgnoresForwardedProtoFromUntrustedAddress() throws Exception
    {
        server = new TestServer().param("h3-port", "8443").param("trusted-proxies", "10.0.0.0/8").start();
        assertEquals(List.of(), altSvc(get(server.uri(null), "X-Forwarded-Proto", "https")));
        assertEquals(List.of(), altSvc(get(server.uri(null), "Forwarded", "proto=https")));
        assertEquals(List.of(), altSvc(get(server.uri(null), "Via", "3 edge")));
    }

    @Test
    void neverSetsOnlyTheAttributes() throws Exception
    {
        server = new TestServer().param("advertise", "never").param("trusted-proxies", "127.0.0.1").start();
        ContentResponse response = get(server.uri("attributes"), "X-Forwarded-Proto", "https", "Via", "HTTP/3.0 edge");
        assertEquals(List.of(), altSvc(response));
        assertTrue(response.getContentAsString().endsWith("\nHTTP/3|true|HTTP/1.1|forwarded"), response.getContentAsString());
    }

    @Test
    void neverLeavesTheContainerValueAlone() throws Exception
    {
        server = new TestServer().param("advertise", "never").customizer(containerAltSvc()).start();
        assertEquals(List.of("h3=\":8444\""), altSvc(get(server.uri("attributes"))));
    }

    @Test
    void alternativeFromAltSvcParameter() throws Exception
    {
        server = new TestServer().param("alt-svc", "h3=\"alt.example:443\";ma=3600, h2=\":443\"").param("advertise", "always").start();
        assertEquals(List.of("h3=\"alt.example:443\"; ma=3600, h2=\":443\"; ma=86400"), altSvc(get(server.uri("commit"))));
    }

    @Test
    void alternativeFromPortHostMaxAgePersist() throws Exception
    {
        server = new TestServer().param("h3-port", "443").param("h3-host", "h3.example.com").param("max-age", "600")
            .param("persist", "true").param("advertise", "ALWAYS").start();
        assertEquals(List.of("h3=\"h3.example.com:443\"; ma=600; persist=1"), altSvc(get(server.uri(null))));
    }

    @Test
    void neverReflectsTheRequest() throws Exception
    {
        server = always().start();
        ContentResponse response = client.newRequest(server.uri(null)).headers(h ->
        {
            h.put("Host", "evil.example:666");
            h.put("Alt-Svc", "h3=\"evil.example:666\"");
        }).timeout(10, TimeUnit.SECONDS).send();
        assertEquals(List.of(H3), altSvc(response));
    }

    private static org.eclipse.jetty.server.HttpConfiguration.Customizer containerAltSvc()
    {
        return (Request request, org.eclipse.jetty.http.HttpFields.Mutable responseHeaders) ->
        {
            responseHeaders.add("Alt-Svc", "h3=\":8444\"");
            return request;
        };
    }

    @ParameterizedTest(name = "do={0}")
    @ValueSource(strings = {"attributes", "commit", "reset", "send-error", "throw", "async", "async-dispatch"})
    void containerValueIsReplacedByExactlyOne(String action) throws Exception
    {
        server = always().errorPages().customizer(containerAltSvc()).start();
        assertEquals(List.of(H3), altSvc(get(server.uri(action))), action);
    }

    @Test
    void applicationValueWinsByDefault() throws Exception
    {
        server = always().customizer(containerAltSvc()).start();
        assertEquals(List.of(TestApp.APP_VALUE), altSvc(get(server.uri("app-set"))));
        assertEquals(List.of(TestApp.APP_VALUE), altSvc(get(server.uri("app-add"))));
        // reset() clears what the application set, and the filter's value comes back.
        assertEquals(List.of(H3), altSvc(get(server.uri("reset-app"))));
    }

    @Test
    void applicationValueSurvivesErrorDispatch() throws Exception
    {
        server = always().errorPages().start();
        ContentResponse response = get(server.uri("app-set-then-error"));
        assertEquals(404, response.getStatus());
        assertEquals(List.of(TestApp.APP_VALUE), altSvc(response));
    }

    @Test
    void applicationWinsFalseKeepsTheFilterValue() throws Exception
    {
        server = always().param("application-wins", "false").errorPages().start();
        assertEquals(List.of(H3), altSvc(get(server.uri("app-set"))));
        assertEquals(List.of(H3), altSvc(get(server.uri("app-add"))));
        assertEquals(List.of(H3), altSvc(get(server.uri("app-set-then-error"))));
    }

    @Test
    void agreesWithAttributesTheConnectorSet() throws Exception
    {
        // What io.github.h3connector.jetty's customizer does for a request that arrived over its own HTTP/3.
        server = always().customizer((request, responseHeaders) ->
        {
            request.setAttribute(H3Attributes.PROTOCOL, "HTTP/3");
            request.setAttribute(H3Attributes.HTTP3, Boolean.TRUE);
            return request;
        }).start();
        ContentResponse response = get(server.uri("attributes"));
        assertTrue(response.getContentAsString().endsWith("\nHTTP/3|true|HTTP/1.1|connection"), response.getContentAsString());
    }
}
