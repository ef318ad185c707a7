package io.github.h3connector.servlet;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Over TLS with a real HTTP/2 client: the default {@code advertise=secure} sends the header, and the hop protocol is
 * normalised from Jetty's {@code HTTP/2.0}.
 */
@Timeout(60)
class AltSvcFilterHttp2Test
{
    @TempDir
    static Path keys;

    private TestServer server;
    private HttpClient client;

    @AfterEach
    void stop()
    {
        LifeCycle.stop(client);
        if (server != null)
            server.close();
    }

    private HttpClient http2Client() throws Exception
    {
        ClientConnector connector = new ClientConnector();
        connector.setSslContextFactory(new SslContextFactory.Client(true));
        HttpClient http2 = new HttpClient(new HttpClientTransportOverHTTP2(new HTTP2Client(connector)));
        http2.start();
        return http2;
    }

    @Test
    void secureDefaultOverHttp2() throws Exception
    {
        server = new TestServer().tls(keys.resolve("keystore.p12")).param("h3-port", "8443").errorPages().start();
        client = http2Client();
        for (String action : List.of("attributes", "commit", "send-error", "async"))
        {
            ContentResponse response = client.newRequest(server.uri(action)).timeout(20, TimeUnit.SECONDS).send();
            assertEquals(HttpVersion.HTTP_2, response.getVersion(), action);
            assertEquals(List.of(AltSvcFilterTest.H3), response.getHeaders().getValuesList("Alt-Svc"), action);
            assertEquals("HTTP/2|false|HTTP/2|connection", response.getContentAsString().lines().skip(1).findFirst().orElseThrow(), action);
        }
    }

    @Test
    void secureDefaultOverHttp11WithTls() throws Exception
    {
        server = new TestServer().tls(keys.resolve("keystore.p12")).param("h3-port", "8443").start();
        client = new HttpClient();
        client.setSslContextFactory(new SslContextFactory.Client(true));
        client.start();
        ContentResponse response = client.newRequest(server.uri("attributes")).timeout(20, TimeUnit.SECONDS).send();
        assertEquals(HttpVersion.HTTP_1_1, response.getVersion());
        assertEquals(List.of(AltSvcFilterTest.H3), response.getHeaders().getValuesList("Alt-Svc"));
    }
}
