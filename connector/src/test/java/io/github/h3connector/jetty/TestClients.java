package io.github.h3connector.jetty;

import java.io.ByteArrayOutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.eclipse.jetty.http3.api.Session;
import org.eclipse.jetty.http3.api.Stream;
import org.eclipse.jetty.http3.client.HTTP3Client;
import org.eclipse.jetty.http3.client.HTTP3ClientQuicConfiguration;
import org.eclipse.jetty.http3.client.transport.HttpClientTransportOverHTTP3;
import org.eclipse.jetty.http3.frames.HeadersFrame;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.quic.quiche.client.QuicheClientQuicConfiguration;
import org.eclipse.jetty.quic.quiche.client.QuicheTransport;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.Invocable;

/** Jetty's real HTTP/1.1, HTTP/2 and HTTP/3 clients, trusting every certificate (the test's own is self-signed). */
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
        http3 = http3Client();
        for (HttpClient client : new HttpClient[]{http1, http2})
        {
            client.setFollowRedirects(false);
            client.start();
        }
    }

    /** A started HTTP/3-only client (Jetty's, unchanged) with its own QUIC connections, to be stopped by the caller. */
    static HttpClient http3Client() throws Exception
    {
        return http3Client(QuicheTransport::new);
    }

    /**
     * As {@link #http3Client()}, but acknowledging received packets even while the application reads nothing, and
     * granting each response stream {@code streamWindow} bytes of flow-control credit.
     */
    static HttpClient ackingHttp3Client(long streamWindow) throws Exception
    {
        return http3Client(quic ->
        {
            quic.setLocalBidirectionalStreamMaxData(streamWindow);
            return new AckingQuicheTransport(quic);
        });
    }

    private static HttpClient http3Client(Function<QuicheClientQuicConfiguration, QuicheTransport> transport) throws Exception
    {
        QuicheClientQuicConfiguration quic = HTTP3ClientQuicConfiguration.configure(new QuicheClientQuicConfiguration());
        HTTP3Client h3 = new HTTP3Client(quic, quicConnector());
        withoutDynamicTable(h3);
        HttpClient http3 = new HttpClient(new HttpClientTransportOverHTTP3(h3, transport.apply(quic)));
        http3.setFollowRedirects(false);
        http3.start();
        return http3;
    }

    /**
     * Turns off the client's QPACK dynamic table (it advertises a table capacity of 0, so the server sends no encoder
     * instructions). Jetty 12.1.5's HTTP/3 client fails the whole connection with a QPACK session error
     * ({@code IndexOutOfBoundsException} in {@code NBitStringDecoder.decode}) when an encoder instruction arrives split
     * right before a string literal, which many concurrent responses on one connection make likely. h3connector's
     * server inserts nothing into the client's table anyway; this keeps Jetty's client safe against any other server
     * (the benchmarks' stock-Jetty row, say).
     */
    static void withoutDynamicTable(HTTP3Client client)
    {
        client.getHTTP3Configuration().setMaxDecoderTableCapacity(0);
    }

    /** A client connector for the tests' servers: any certificate trusted, {@code SO_REUSEADDR} off. */
    static ClientConnector connector()
    {
        ClientConnector connector = new ClientConnector();
        connector.setSslContextFactory(new SslContextFactory.Client(true));
        // Jetty's default SO_REUSEADDR lets Linux give the same ephemeral UDP port to two client sockets; the server's
        // answers then reach only one of them (2,000 sockets: 5 to 43 clients heard nothing and hit their connect timeout).
        connector.setReuseAddress(false);
        return connector;
    }

    /**
     * As {@link #connector()}, with a 4 MiB socket receive buffer (capped by {@code net.core.rmem_max}) for QUIC. With
     * the default 208 KiB, the server's congestion-window bursts overflowed the socket of a client on busy cores (229 to
     * 509 datagrams dropped), and Jetty 12.1.5's client, which acknowledges only when stream data becomes readable, never
     * told the server what was missing: 2 MiB downloads stalled in 2 to 9 of 30 runs, in none of 100 with this buffer
     * (ngtcp2's client: none of 30 with its default).
     */
    static ClientConnector quicConnector()
    {
        ClientConnector connector = connector();
        connector.setReceiveBufferSize(4 << 20);
        return connector;
    }

    /**
     * Sends a GET for {@code url} on a session of Jetty's low-level {@link HTTP3Client}, which (unlike {@link HttpClient})
     * shows the stream id and lets a test send what the server must refuse.
     */
    static Exchange get(Session.Client session, String url, HttpFields fields)
    {
        Exchange exchange = new Exchange(new CompletableFuture<>(), new CompletableFuture<>(), new CompletableFuture<>());
        MetaData.Request request = new MetaData.Request("GET", HttpURI.from(url), HttpVersion.HTTP_3, fields);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        session.newRequest(new HeadersFrame(request, true), new Stream.Client.Listener()
        {
            @Override
            public void onResponse(Stream.Client stream, HeadersFrame frame)
            {
                exchange.response().complete((MetaData.Response)frame.getMetaData());
                if (frame.isLast())
                    exchange.body().complete(body.toByteArray());
                else
                    stream.demand();
            }

            @Override
            public void onDataAvailable(Stream.Client stream)
            {
                while (true)
                {
                    Content.Chunk chunk = stream.read();
                    if (chunk == null)
                    {
                        stream.demand();
                        return;
                    }
                    if (Content.Chunk.isFailure(chunk))
                    {
                        exchange.body().completeExceptionally(chunk.getFailure());
                        return;
                    }
                    byte[] bytes = new byte[chunk.remaining()];
                    chunk.get(bytes, 0, bytes.length);
                    body.write(bytes, 0, bytes.length);
                    chunk.release();
                    if (chunk.isLast())
                    {
                        exchange.body().complete(body.toByteArray());
                        return;
                    }
                }
            }

            @Override
            public void onFailure(Stream.Client stream, long error, Throwable failure)
            {
                exchange.response().completeExceptionally(failure);
                exchange.body().completeExceptionally(failure);
            }
        }, Promise.Invocable.from(Invocable.InvocationType.NON_BLOCKING,
            stream -> exchange.streamId().complete(stream.getId()), exchange.streamId()::completeExceptionally));
        return exchange;
    }

    /** One request of {@link #get}, as it goes: its stream id, the response's status and headers, then the whole body. */
    record Exchange(CompletableFuture<Long> streamId, CompletableFuture<MetaData.Response> response, CompletableFuture<byte[]> body)
    {
    }

    @Override
    public void close()
    {
        LifeCycle.stop(http1);
        LifeCycle.stop(http2);
        LifeCycle.stop(http3);
    }
}
