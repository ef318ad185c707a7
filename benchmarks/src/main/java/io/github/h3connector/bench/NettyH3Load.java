package io.github.h3connector.bench;

import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3ClientConnectionHandler;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.http3.Http3HeadersFrame;
import io.netty.handler.codec.http3.Http3RequestStreamInboundHandler;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;

/**
 * A light HTTP/3 load generator for the small-request rows: Netty's HTTP/3 client on one QUIC connection (release-built
 * quiche, one event loop), {@code concurrency} request streams in flight, each response's status and SHA-256 checked.
 * Jetty's HTTP/3 client runs a debug build of quiche and caps every server here well below what it can serve; this
 * one shows the servers' own limits. Benchmark code only.
 */
final class NettyH3Load implements AutoCloseable
{
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel datagrams;

    NettyH3Load() throws InterruptedException
    {
        QuicSslContext tls = QuicSslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE)
            .applicationProtocols(Http3.supportedApplicationProtocols()).build();
        datagrams = new Bootstrap().group(group).channel(NioDatagramChannel.class)
            .option(ChannelOption.SO_RCVBUF, 4 << 20)
            .option(ChannelOption.SO_SNDBUF, 4 << 20)
            .handler(Http3.newQuicClientCodecBuilder()
                .sslContext(tls)
                .maxIdleTimeout(30, TimeUnit.SECONDS)
                .initialMaxData(64L << 20)
                .initialMaxStreamDataBidirectionalLocal(1L << 20)
                .initialMaxStreamsBidirectional(16)
                .initialMaxStreamsUnidirectional(16)
                .build())
            .bind(0).sync().channel();
    }

    /** Requests {@code GET /bytes?n=1024} for {@code seconds} with {@code concurrency} in flight: {count, elapsed s}. */
    double[] smallRequests(int port, int concurrency, double seconds, String expectedSha256) throws Exception
    {
        QuicChannel connection = QuicChannel.newBootstrap(datagrams)
            .handler(new Http3ClientConnectionHandler())
            .remoteAddress(new InetSocketAddress("127.0.0.1", port))
            .connect().get(10, TimeUnit.SECONDS);
        try
        {
            AtomicLong count = new AtomicLong();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CountDownLatch finished = new CountDownLatch(concurrency);
            long start = System.nanoTime();
            long deadline = start + (long)(seconds * 1e9);
            connection.eventLoop().execute(() ->
            {
                for (int i = 0; i < concurrency; i++)
                    next(connection, port, deadline, expectedSha256, count, failure, finished);
            });
            if (!finished.await((long)seconds + 60, TimeUnit.SECONDS))
                throw new IllegalStateException("small requests to port " + port + " did not finish");
            double elapsed = (System.nanoTime() - start) / 1e9;
            if (failure.get() != null)
                throw new IllegalStateException("small requests to port " + port + " failed", failure.get());
            return new double[]{count.get(), elapsed};
        }
        finally
        {
            connection.close().sync();
        }
    }

    /** One chain of requests on the connection's event loop: each response starts the next until the deadline. */
    private static void next(QuicChannel connection, int port, long deadline, String expectedSha256, AtomicLong count,
                             AtomicReference<Throwable> failure, CountDownLatch finished)
    {
        if (System.nanoTime() >= deadline || failure.get() != null)
        {
            finished.countDown();
            return;
        }
        Http3.newRequestStream(connection, new Http3RequestStreamInboundHandler()
        {
            private final MessageDigest sha = Pattern.sha256();
            private String status;

            @Override
            protected void channelRead(ChannelHandlerContext ctx, Http3HeadersFrame frame)
            {
                status = String.valueOf(frame.headers().status());
                ReferenceCountUtil.release(frame);
            }

            @Override
            protected void channelRead(ChannelHandlerContext ctx, Http3DataFrame frame)
            {
                sha.update(frame.content().nioBuffer());
                frame.release();
            }

            @Override
            protected void channelInputClosed(ChannelHandlerContext ctx)
            {
                String digest = HexFormat.of().formatHex(sha.digest());
                if (!"200".equals(status))
                    failure.compareAndSet(null, new IllegalStateException("status " + status));
                else if (!digest.equals(expectedSha256))
                    failure.compareAndSet(null, new IllegalStateException("INTEGRITY FAILURE: 1 KiB body has SHA-256 " + digest + ", expected " + expectedSha256));
                else
                    count.incrementAndGet();
                ctx.close();
                next(connection, port, deadline, expectedSha256, count, failure, finished);
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause)
            {
                failure.compareAndSet(null, cause);
                ctx.close();
                finished.countDown();
            }
        }).addListener(opened ->
        {
            if (!opened.isSuccess())
            {
                failure.compareAndSet(null, opened.cause());
                finished.countDown();
                return;
            }
            QuicStreamChannel stream = (QuicStreamChannel)opened.getNow();
            Http3HeadersFrame request = new DefaultHttp3HeadersFrame();
            request.headers().method("GET").path("/bytes?n=1024").authority("127.0.0.1:" + port).scheme("https");
            stream.writeAndFlush(request).addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
        });
    }

    @Override
    public void close() throws InterruptedException
    {
        datagrams.close().sync();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
}
