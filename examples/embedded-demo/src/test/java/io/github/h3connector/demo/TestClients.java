package io.github.h3connector.demo;

import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.eclipse.jetty.http3.client.HTTP3Client;
import org.eclipse.jetty.http3.client.HTTP3ClientQuicConfiguration;
import org.eclipse.jetty.http3.client.transport.HttpClientTransportOverHTTP3;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.quic.quiche.client.QuicheClientQuicConfiguration;
import org.eclipse.jetty.quic.quiche.client.QuicheTransport;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/** Jetty's real HTTP/1.1, HTTP/2 and HTTP/3 clients, trusting every certificate (the demo's own is self-signed). */
final class TestClients implements AutoCloseable
{
    final HttpClient http1;
    final HttpClient http2;
    final HttpClient http3;

    TestClients() throws Exception
    {
        http1 = new HttpClient(new HttpClientTransportOverHTTP(connector()));
        HTTP2Client h2 = new HTTP2Client(connector());
        http2 = new HttpClient(new HttpClientTransportOverHTTP2(h2));
        QuicheClientQuicConfiguration quic = HTTP3ClientQuicConfiguration.configure(new QuicheClientQuicConfiguration());
        HTTP3Client h3 = new HTTP3Client(quic, quicConnector());
        // Jetty 12.1.5's client fails on QPACK encoder instructions split before a string literal (NBitStringDecoder):
        // with no dynamic table the server sends none. gtlsclient and Chromium keep theirs.
        h3.getHTTP3Configuration().setMaxDecoderTableCapacity(0);
        http3 = new HttpClient(new HttpClientTransportOverHTTP3(h3, new QuicheTransport(quic)));
        for (HttpClient client : new HttpClient[]{http1, http2, http3})
        {
            client.setFollowRedirects(false);
            client.start();
        }
    }

    private static ClientConnector connector()
    {
        ClientConnector connector = new ClientConnector();
        connector.setSslContextFactory(new SslContextFactory.Client(true));
        return connector;
    }

    /**
     * A 4 MiB socket receive buffer for QUIC: with the default 208 KiB a server's burst can overflow a busy client's
     * socket, and Jetty 12.1.5's client then stalls the download (docs/RELIABILITY.md, "Downloads stalled").
     */
    private static ClientConnector quicConnector()
    {
        ClientConnector connector = connector();
        connector.setReceiveBufferSize(4 << 20);
        return connector;
    }

    @Override
    public void close()
    {
        LifeCycle.stop(http1);
        LifeCycle.stop(http2);
        LifeCycle.stop(http3);
    }
}
