package io.github.h3connector.it;

import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scenario 3, out of process: on a Docker network made by the test, a front container (Jetty with h3connector and
 * Jetty's {@code ProxyServlet.Transparent}: HTTP/3 in, HTTP/1.1 out, adding {@code Via: 3.0 <host>}) and a back
 * container (plain Jetty, HTTP only, the behind-proxy WAR, {@code trusted-proxies} = the front's address on that
 * network, set through an override descriptor the test writes). The back's HTTP port is also published, so the test
 * can reach it straight: through docker-proxy, whose connections come from the network's gateway, an untrusted
 * address.
 */
@DockerAvailable
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class OutOfProcessIT
{
    static Network network;
    static GenericContainer<?> front;
    static GenericContainer<?> back;
    static int port;
    static String frontAddress;

    @BeforeAll
    static void start() throws Exception
    {
        JettyContainers.requireDocker();
        network = Network.newNetwork();
        port = JettyContainers.freePort();
        front = JettyContainers.front(port, network);
        front.start();
        frontAddress = JettyContainers.address(front, network);
        back = JettyContainers.back(network, frontAddress);
        back.start();
    }

    @AfterAll
    static void stop()
    {
        if (back != null)
            back.stop();
        if (front != null)
            front.stop();
        if (network != null)
            network.close();
    }

    @Test
    void http3ToTheFrontIsReportedAsForwardedHttp3ByTheApp() throws Exception
    {
        HttpClient client = Clients.http3();
        try
        {
            ContentResponse response = client.newRequest(Clients.url(port, "/protocol")).timeout(20, TimeUnit.SECONDS).send();
            assertEquals(200, response.getStatus(), response.getContentAsString());
            assertEquals(HttpVersion.HTTP_3, response.getVersion());
            String json = response.getContentAsString();
            LoggerFactory.getLogger(OutOfProcessIT.class).info("through the front ({}): {}", frontAddress, json);
            assertTrue(json.contains("\"protocol\":\"HTTP/3\""), json);
            assertTrue(json.contains("\"http3\":true"), json);
            assertTrue(json.contains("\"hopProtocol\":\"HTTP/1.1\""), json);
            assertTrue(json.contains("\"protocolSource\":\"forwarded\""), json);
            assertTrue(json.contains("\"servletProtocol\":\"HTTP/1.1\""), json);
        }
        finally
        {
            client.stop();
        }
    }

    @Test
    void http2ToTheFrontIsReportedAsForwardedHttp2() throws Exception
    {
        HttpClient client = Clients.http2();
        try
        {
            ContentResponse response = client.newRequest(Clients.url(port, "/protocol")).timeout(20, TimeUnit.SECONDS).send();
            assertEquals(200, response.getStatus(), response.getContentAsString());
            assertEquals(HttpVersion.HTTP_2, response.getVersion());
            String json = response.getContentAsString();
            assertTrue(json.contains("\"protocol\":\"HTTP/2\""), json);
            assertTrue(json.contains("\"http3\":false"), json);
            assertTrue(json.contains("\"hopProtocol\":\"HTTP/1.1\""), json);
            assertTrue(json.contains("\"protocolSource\":\"forwarded\""), json);
            // One Alt-Svc, the front's: the back's filter only sets the attributes (advertise=never).
            assertEquals(java.util.List.of("h3=\":" + port + "\"; ma=86400"), response.getHeaders().getValuesList(HttpHeader.ALT_SVC));
        }
        finally
        {
            client.stop();
        }
    }

    @Test
    void viaFromAnUntrustedAddressIsIgnored() throws Exception
    {
        HttpClient client = Clients.http1();
        try
        {
            String url = "http://" + Clients.HOST + ":" + back.getMappedPort(8080) + "/protocol";
            ContentResponse response = client.newRequest(url).headers(h -> h.put(HttpHeader.VIA, "3 x"))
                .timeout(20, TimeUnit.SECONDS).send();
            assertEquals(200, response.getStatus(), response.getContentAsString());
            String json = response.getContentAsString();
            assertTrue(json.contains("\"protocol\":\"HTTP/1.1\""), json);
            assertTrue(json.contains("\"http3\":false"), json);
            assertTrue(json.contains("\"hopProtocol\":\"HTTP/1.1\""), json);
            assertTrue(json.contains("\"protocolSource\":\"connection\""), json);
        }
        finally
        {
            client.stop();
        }
    }
}
