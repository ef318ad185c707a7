package io.github.h3connector.it;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scenario 5: only the TCP port is published, as when a firewall drops UDP. HTTP/1.1 and HTTP/2 keep working; the
 * server cannot know that UDP is blocked, so it still advertises h3, and a client that tries it falls back to TCP
 * (and remembers the failure for at most ma seconds): here an HTTP/3-only client simply gets no answer.
 */
@DockerAvailable
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class UdpBlockedIT
{
    static GenericContainer<?> jetty;
    static int port;

    @BeforeAll
    static void start() throws Exception
    {
        JettyContainers.requireDocker();
        port = JettyContainers.freePort();
        jetty = JettyContainers.jetty("udp-blocked", port, false);
        jetty.start();
    }

    @AfterAll
    static void stop()
    {
        if (jetty != null)
            jetty.stop();
    }

    @Test
    void http1AndHttp2KeepWorking() throws Exception
    {
        for (HttpClient client : new HttpClient[]{Clients.http1(), Clients.http2()})
        {
            try
            {
                ContentResponse response = client.newRequest(Clients.url(port, "/protocol")).timeout(20, TimeUnit.SECONDS).send();
                assertEquals(200, response.getStatus());
                assertTrue(response.getVersion() == HttpVersion.HTTP_1_1 || response.getVersion() == HttpVersion.HTTP_2);
                assertTrue(response.getContentAsString().contains("\"http3\":false"), response.getContentAsString());
                assertEquals("h3=\":" + port + "\"; ma=86400", response.getHeaders().get(HttpHeader.ALT_SVC));
            }
            finally
            {
                client.stop();
            }
        }
    }

    @Test
    void http3GetsNoAnswer() throws Exception
    {
        HttpClient client = Clients.http3();
        try
        {
            // Nothing listens on the UDP port (only TCP is published): the client's Initials get no answer and the
            // request times out. A TLS or configuration error would fail at once with an ExecutionException.
            assertThrows(TimeoutException.class,
                () -> client.newRequest(Clients.url(port, "/protocol")).timeout(5, TimeUnit.SECONDS).send());
        }
        finally
        {
            client.stop();
        }
    }
}
