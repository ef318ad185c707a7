package io.github.h3connector.jetty;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;

import io.github.h3connector.jetty.module.H3ModuleSupport;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpVersion;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link H3ReadinessHandler} answers its path 200 while the QUIC listener is up, 503 while it drains in a graceful
 * stop (an HTTP/3 response in flight then still completes) and 503 when only the QUIC listener stopped.
 */
class H3ReadinessHandlerTest
{
    private static final String PROBE = "GET /h3-ready HTTP/1.1\r\nHost: localhost\r\n\r\n";

    @Test
    void readyWhileUpNotReadyWhileDrainingAndTheInFlightResponseCompletes() throws Exception
    {
        TestServer server = ReliabilitySupport.server(H3Options.builder());
        server.server.insertHandler(new H3ReadinessHandler(server.h3.quicConnector(), "/h3-ready"));
        server.server.setStopTimeout(30_000);
        server.server.start();
        HttpClient client = TestClients.http3Client();
        try (SSLSocket probe = RawHttps.trustingSocket(server.port()))
        {
            String up = RawHttps.exchange(probe, PROBE);
            assertTrue(up.startsWith("http/1.1 200") && up.endsWith("HTTP/3 up\n"), up);
            assertTrue(RawHttps.exchange(probe).contains("\"protocol\":\"HTTP/1.1\""), "other paths reach the application");
            // An HTTP/3 response that is still being produced when the stop begins.
            CompletableFuture<ContentResponse> inFlight = new CompletableResponseListener(
                client.newRequest(server.url("/bytes?mib=1&seed=7&delayMs=3000")).timeout(60, TimeUnit.SECONDS), 2 << 20).send();
            awaitHttp3Request(server);
            CompletableFuture<Void> stopped = CompletableFuture.runAsync(() ->
            {
                try
                {
                    server.server.stop();
                }
                catch (Exception x)
                {
                    throw new IllegalStateException(x);
                }
            });
            String draining = awaitProbe(probe, "HTTP/3 draining\n");
            assertTrue(draining.startsWith("http/1.1 503"), draining);
            ContentResponse response = inFlight.get(60, TimeUnit.SECONDS);
            assertEquals(200, response.getStatus());
            assertEquals(HttpVersion.HTTP_3, response.getVersion());
            assertEquals(ReliabilitySupport.content(null, 1 << 20, 7), ReliabilitySupport.sha256(response.getContent()));
            stopped.get(60, TimeUnit.SECONDS);
        }
        finally
        {
            client.stop();
            server.close();
        }
    }

    @Test
    void notReadyWhenOnlyTheQuicListenerStopped() throws Exception
    {
        TestServer server = ReliabilitySupport.server(H3Options.builder());
        server.server.insertHandler(new H3ReadinessHandler(server.h3.quicConnector(), "/h3-ready"));
        server.server.start();
        try (SSLSocket probe = RawHttps.trustingSocket(server.port()))
        {
            assertTrue(RawHttps.exchange(probe, PROBE).startsWith("http/1.1 200"));
            server.h3.quicConnector().stop();
            String stopped = RawHttps.exchange(probe, PROBE);
            assertTrue(stopped.startsWith("http/1.1 503") && stopped.endsWith("HTTP/3 stopped\n"), stopped);
        }
        finally
        {
            server.close();
        }
    }

    @Test
    void aBadPathIsRefusedWithTheFix() throws Exception
    {
        H3QuicConnector quic = new TestServer(H3Options.builder()).h3.quicConnector();
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> new H3ReadinessHandler(quic, "h3-ready"));
        assertTrue(x.getMessage().contains("must start with /"), x.getMessage());
    }

    @Test
    void theModulePropertyInsertsItInFrontOfTheServersHandlers() throws Exception
    {
        TestServer server = new TestServer(H3Options.builder());
        org.eclipse.jetty.server.Handler application = server.server.getHandler();
        assertEquals(null, H3ModuleSupport.readiness(server.server, server.h3, " "));
        assertSame(application, server.server.getHandler());
        H3ReadinessHandler readiness = H3ModuleSupport.readiness(server.server, server.h3, " /ready ");
        assertSame(readiness, server.server.getHandler());
        assertSame(application, readiness.getHandler());
        assertEquals("/ready", readiness.path());
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> H3ModuleSupport.readiness(server.server, server.h3, "ready"));
        assertTrue(x.getMessage().startsWith(H3ModuleSupport.READINESS_PATH + "="), x.getMessage());
    }

    private static void awaitHttp3Request(TestServer server) throws InterruptedException
    {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (server.h3.statistics().getHttp3Requests() == 0 && System.nanoTime() < deadline)
            Thread.sleep(20);
        assertTrue(server.h3.statistics().getHttp3Requests() > 0, "the HTTP/3 request never reached the server");
    }

    /** Probes on the kept-alive connection until the body is {@code body}; returns that response. */
    private static String awaitProbe(SSLSocket probe, String body) throws Exception
    {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String last;
        do
        {
            last = RawHttps.exchange(probe, PROBE);
            if (last.endsWith(body))
                return last;
            Thread.sleep(20);
        }
        while (System.nanoTime() < deadline);
        throw new AssertionError("the probe never answered " + body.strip() + "; last: " + last);
    }
}
