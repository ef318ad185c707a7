package io.github.h3connector.it;

import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.h3connector.altsvc.AltSvc;
import io.github.h3connector.altsvc.Alternative;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.testcontainers.containers.GenericContainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scenario 1: the hello WAR in a Jetty 12.1.5 distribution with {@code --add-modules=h3connector,ee10-deploy}; TCP and
 * UDP published on the same host port number P, {@code jetty.h3connector.advertisedPort=P}.
 */
@DockerAvailable
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class InProcessIT
{
    static GenericContainer<?> jetty;
    static int port;

    @BeforeAll
    static void start() throws Exception
    {
        JettyContainers.requireDocker();
        port = JettyContainers.freePort();
        jetty = JettyContainers.jetty("in-process", port, true);
        jetty.start();
    }

    @AfterAll
    static void stop()
    {
        if (jetty != null)
            jetty.stop();
    }

    static void assertOneAltSvcForThePublishedPort(ContentResponse response)
    {
        List<String> values = response.getHeaders().getValuesList(HttpHeader.ALT_SVC);
        assertEquals(1, values.size(), "Alt-Svc headers: " + values);
        AltSvc altSvc = AltSvc.parse(values.get(0));
        assertEquals(1, altSvc.alternatives().size(), values.get(0));
        Alternative h3 = altSvc.alternatives().get(0);
        assertEquals("h3", h3.protocolId());
        assertEquals(port, h3.port());
        assertEquals("h3=\":" + port + "\"; ma=86400", values.get(0));
    }

    @Test
    void http1ResponseCarriesOneAltSvcForThePublishedUdpPort() throws Exception
    {
        HttpClient client = Clients.http1();
        try
        {
            ContentResponse response = client.GET(Clients.url(port, "/protocol"));
            assertEquals(200, response.getStatus());
            assertEquals(HttpVersion.HTTP_1_1, response.getVersion());
            assertOneAltSvcForThePublishedPort(response);
            assertTrue(response.getContentAsString().contains("\"protocol\":\"HTTP/1.1\""), response.getContentAsString());
        }
        finally
        {
            client.stop();
        }
    }

    @Test
    void http2ResponseCarriesOneAltSvcForThePublishedUdpPort() throws Exception
    {
        HttpClient client = Clients.http2();
        try
        {
            ContentResponse response = client.GET(Clients.url(port, "/protocol"));
            assertEquals(200, response.getStatus());
            assertEquals(HttpVersion.HTTP_2, response.getVersion());
            assertOneAltSvcForThePublishedPort(response);
            String json = response.getContentAsString();
            assertTrue(json.contains("\"protocol\":\"HTTP/2\""), json);
            assertTrue(json.contains("\"http3\":false"), json);
            // Error pages, which Jetty renders without the application, are advertised too.
            ContentResponse notFound = client.GET(Clients.url(port, "/no-such-page"));
            assertEquals(404, notFound.getStatus());
            assertOneAltSvcForThePublishedPort(notFound);
        }
        finally
        {
            client.stop();
        }
    }

    @Test
    void jettyHttp3ClientGetsProtocolOverHttp3() throws Exception
    {
        HttpClient client = Clients.http3();
        try
        {
            ContentResponse response = client.newRequest(Clients.url(port, "/protocol")).timeout(20, TimeUnit.SECONDS).send();
            assertEquals(200, response.getStatus());
            assertEquals(HttpVersion.HTTP_3, response.getVersion());
            String json = response.getContentAsString();
            assertTrue(json.contains("\"protocol\":\"HTTP/3\""), json);
            assertTrue(json.contains("\"http3\":true"), json);
            assertTrue(json.contains("\"protocolSource\":\"connection\""), json);
            // altSvcOnHttp3 defaults to false: no advertisement over HTTP/3
            assertEquals(List.of(), response.getHeaders().getValuesList(HttpHeader.ALT_SVC));
        }
        finally
        {
            client.stop();
        }
    }

    @Test
    void gtlsclientGetsProtocolOverHttp3() throws Exception
    {
        JettyContainers.requireTool(Clients.hasGtlsclient(), "/usr/bin/gtlsclient is missing", "apt-get install ngtcp2-client");
        String json = Clients.gtlsclient(port, "/protocol");
        assertTrue(json.contains("\"protocol\":\"HTTP/3\""), json);
        assertTrue(json.contains("\"http3\":true"), json);
    }
}
