package io.github.h3connector.jetty;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.SessionContainer;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.github.h3connector.jetty.RawHttp2.ALTSVC;
import static io.github.h3connector.jetty.RawHttp2.HEADERS;
import static io.github.h3connector.jetty.RawHttp2.SETTINGS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP/2 {@code ALTSVC} frame ({@link AltSvcFrameMode}), as a raw HTTP/2 reader over TLS sees it: where it is, its
 * exact origin and value, and that it follows the header's rules; and that Jetty's HTTP/2 client, which drops the
 * frame, keeps working.
 */
@Timeout(60)
class AltSvcFrameTest
{
    private TestServer server;
    private TestClients clients;

    @AfterEach
    void tearDown() throws Exception
    {
        if (clients != null)
            clients.close();
        if (server != null)
            server.close();
    }

    private void start(AltSvcFrameMode mode) throws Exception
    {
        server = TestServer.started(H3Options.builder().altSvcFrame(mode));
        clients = new TestClients();
    }

    private String headerValue()
    {
        return "h3=\":" + server.udpPort() + "\"; ma=86400";
    }

    @Test
    void connectionFrameFollowsTheSettingsWithTheSniOriginAndTheHeaderValue() throws Exception
    {
        start(AltSvcFrameMode.CONNECTION);
        try (RawHttp2 h2 = new RawHttp2(server.port(), "localhost"))
        {
            h2.readUntilEndOf(h2.get("localhost:" + server.port(), "/protocol"));
            List<RawHttp2.Frame> frames = h2.received;
            assertEquals(SETTINGS, frames.get(0).type(), "the server preface comes first: " + frames);
            List<RawHttp2.Frame> altSvc = h2.altSvcFrames();
            assertEquals(1, altSvc.size(), frames.toString());
            RawHttp2.Frame frame = altSvc.get(0);
            assertEquals(0, frame.streamId());
            assertEquals(0, frame.flags());
            assertEquals("https://localhost:" + server.port(), frame.altSvcOrigin());
            assertEquals(headerValue(), frame.altSvcValue());
            assertEquals(server.h3.quicConnector().getAltSvc(), frame.altSvcValue(), "the value the header carries");
            int index = frames.indexOf(frame);
            assertTrue(frames.subList(0, index).stream().noneMatch(f -> f.type() == HEADERS), "before any response: " + frames);
            assertTrue(frames.subList(1, index).stream().allMatch(f -> f.type() == RawHttp2.WINDOW_UPDATE),
                "right after the SETTINGS (and the session WINDOW_UPDATE): " + frames);

            // A second request on the same connection: no second frame.
            h2.readUntilEndOf(h2.get("localhost:" + server.port(), "/protocol"));
            assertEquals(1, h2.altSvcFrames().size(), h2.received.toString());
        }
        assertEquals(1, server.h3.statistics().getAltSvcFramesSent());
    }

    @Test
    void offByDefaultSendsNoFrame() throws Exception
    {
        server = TestServer.started(H3Options.builder());
        assertEquals(AltSvcFrameMode.OFF, server.h3.quicConnector().getOptions().altSvcFrame());
        assertEquals(HTTP2ServerConnectionFactory.class, server.h3.tlsConnector().getConnectionFactory("h2").getClass());
        try (RawHttp2 h2 = new RawHttp2(server.port(), "localhost"))
        {
            h2.readUntilEndOf(h2.get("localhost:" + server.port(), "/protocol"));
            h2.readUntilEndOf(h2.get("localhost:" + server.port(), "/protocol"));
            assertEquals(List.of(), h2.altSvcFrames(), h2.received.toString());
        }
        assertEquals(0, server.h3.statistics().getAltSvcFramesSent());
    }

    @Test
    void noConnectionFrameWithoutSniOrForAHostTheCertificateDoesNotCover() throws Exception
    {
        start(AltSvcFrameMode.CONNECTION);
        for (String sni : new String[]{null, "other.example"})
        {
            try (RawHttp2 h2 = new RawHttp2(server.port(), sni))
            {
                h2.readUntilEndOf(h2.get("localhost:" + server.port(), "/protocol"));
                assertEquals(List.of(), h2.altSvcFrames(), "SNI " + sni + ": " + h2.received);
            }
        }
        assertEquals(0, server.h3.statistics().getAltSvcFramesSent());
        assertEquals(2, server.h3.statistics().getAltSvcFramesSkipped());
    }

    @Test
    void streamFramesComeBeforeEachResponseWithAnEmptyOrigin() throws Exception
    {
        start(AltSvcFrameMode.CONNECTION_AND_STREAMS);
        try (RawHttp2 h2 = new RawHttp2(server.port(), null))
        {
            for (int i = 0; i < 3; i++)
            {
                int stream = h2.get("localhost:" + server.port(), i == 1 ? "/throw" : "/protocol");
                List<RawHttp2.Frame> frames = h2.readUntilEndOf(stream);
                List<RawHttp2.Frame> onStream = frames.stream().filter(f -> f.streamId() == stream).toList();
                assertEquals(ALTSVC, onStream.get(0).type(), "first on stream " + stream + ": " + frames);
                assertEquals(HEADERS, onStream.get(1).type(), frames.toString());
                assertEquals("", onStream.get(0).altSvcOrigin());
                assertEquals(headerValue(), onStream.get(0).altSvcValue());
                assertEquals(1, onStream.stream().filter(f -> f.type() == ALTSVC).count(), frames.toString());
            }
            // Without SNI the connection itself got no frame: only the three stream frames.
            assertEquals(List.of(1, 3, 5), h2.altSvcFrames().stream().map(RawHttp2.Frame::streamId).toList());
        }
    }

    @Test
    void streamFramesSayClearWhileDraining() throws Exception
    {
        start(AltSvcFrameMode.CONNECTION_AND_STREAMS);
        try (RawHttp2 h2 = new RawHttp2(server.port(), "localhost"))
        {
            h2.readUntilEndOf(h2.get("localhost:" + server.port(), "/protocol"));
            String running = headerValue();
            server.h3.quicConnector().shutdown().get(10, TimeUnit.SECONDS);
            assertEquals("clear", server.h3.quicConnector().getAltSvc());
            int stream = h2.get("localhost:" + server.port(), "/protocol");
            h2.readUntilEndOf(stream);
            List<String> values = h2.altSvcFrames().stream().map(f -> f.streamId() + " " + f.altSvcValue()).toList();
            assertEquals(List.of("0 " + running, "1 " + running, stream + " clear"), values);
        }
    }

    @Test
    void noFrameWhileQuicIsDown() throws Exception
    {
        start(AltSvcFrameMode.CONNECTION_AND_STREAMS);
        // QUIC stopped without a drain (the header is gone too): nothing to announce, no frame.
        server.h3.quicConnector().stop();
        assertEquals(null, server.h3.quicConnector().getAltSvc());
        try (RawHttp2 h2 = new RawHttp2(server.port(), "localhost"))
        {
            h2.readUntilEndOf(h2.get("localhost:" + server.port(), "/protocol"));
            assertEquals(List.of(), h2.altSvcFrames(), h2.received.toString());
        }
    }

    @Test
    void jettyHttp2ClientIgnoresTheFramesAndTheHeaderStillGoesOut() throws Exception
    {
        start(AltSvcFrameMode.CONNECTION_AND_STREAMS);
        for (int i = 0; i < 3; i++)
        {
            ContentResponse response = clients.http2.newRequest(server.url("/protocol")).timeout(10, TimeUnit.SECONDS).send();
            assertEquals(200, response.getStatus());
            assertEquals(HttpVersion.HTTP_2, response.getVersion());
            assertEquals(List.of(headerValue()), response.getHeaders().getValuesList(HttpHeader.ALT_SVC));
        }
        // Three stream frames on one connection. The JDK sends no SNI for a host name without a dot, such as
        // localhost, so that connection got no frame of its own.
        assertEquals(3, server.h3.statistics().getAltSvcFramesSent());
        assertEquals(1, server.h3.statistics().getAltSvcFramesSkipped());
        assertEquals(3, server.h3.statistics().getHttp2Requests());
        // The session is tracked for graceful shutdown, as by Jetty's own factory.
        assertEquals(1, server.h3.tlsConnector().getConnectionFactory(AltSvcFrameHTTP2ServerConnectionFactory.class)
            .getBean(SessionContainer.class).getSize());
    }

    @Test
    void theFactoryKeepsThePlaceAndSettingsOfJettysHttp2Factory() throws Exception
    {
        server = new TestServer(H3Options.builder().altSvcFrame(AltSvcFrameMode.CONNECTION));
        // The order of H3Connector.addTo, which ALPN offers: h2 before http/1.1.
        assertEquals(List.of("ssl", "alpn", "h2", "http/1.1"), server.h3.tlsConnector().getProtocols());
        ConnectionFactory h2 = server.h3.tlsConnector().getConnectionFactory("h2");
        assertInstanceOf(AltSvcFrameHTTP2ServerConnectionFactory.class, h2);
        server.server.start();
        // ALPN picks h2 first, through the #14564 workaround's factory.
        assertInstanceOf(BlockingUpgradeALPNServerConnectionFactory.class, server.h3.tlsConnector().getConnectionFactory("alpn"));
        ContentResponse response = clients().http2.GET(server.url("/protocol"));
        assertEquals(HttpVersion.HTTP_2, response.getVersion());
    }

    @Test
    void attachToCopiesTheSettingsOfTheExistingHttp2FactoryAndNeedsOne() throws Exception
    {
        Server jetty = new Server();
        HttpConfiguration https = new HttpConfiguration();
        HTTP2ServerConnectionFactory stock = new HTTP2ServerConnectionFactory(https);
        stock.setMaxConcurrentStreams(7);
        stock.setInitialStreamRecvWindow(123_456);
        stock.setInitialSessionRecvWindow(654_321);
        stock.setMaxFrameSize(32_768);
        stock.setStreamIdleTimeout(4_321);
        HttpConnectionFactory http1 = new HttpConnectionFactory(https);
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory();
        ServerConnector connector = new ServerConnector(jetty, new SslConnectionFactory(TestKeyStores.serverTls(), alpn.getProtocol()), alpn, stock, http1);
        jetty.addConnector(connector);
        H3Connector.attachTo(connector, H3Options.builder().altSvcFrame(AltSvcFrameMode.CONNECTION).build());
        HTTP2ServerConnectionFactory replaced = assertInstanceOf(AltSvcFrameHTTP2ServerConnectionFactory.class, connector.getConnectionFactory("h2"));
        assertEquals(List.of(7, 123_456, 654_321, 32_768, 4_321L, https),
            List.of(replaced.getMaxConcurrentStreams(), replaced.getInitialStreamRecvWindow(), replaced.getInitialSessionRecvWindow(),
                replaced.getMaxFrameSize(), replaced.getStreamIdleTimeout(), replaced.getHttpConfiguration()));
        assertEquals(List.of("ssl", "h2", "http/1.1", "alpn"), connector.getProtocols());

        ServerConnector http1Only = new ServerConnector(jetty, new SslConnectionFactory(TestKeyStores.serverTls(), "http/1.1"), new HttpConnectionFactory());
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
            () -> H3Connector.attachTo(http1Only, H3Options.builder().altSvcFrame(AltSvcFrameMode.CONNECTION_AND_STREAMS).build()));
        assertTrue(x.getMessage().startsWith("altSvcFrame=CONNECTION_AND_STREAMS needs HTTP/2 on the HTTPS connector"), x.getMessage());
    }

    private TestClients clients() throws Exception
    {
        clients = new TestClients();
        return clients;
    }
}
