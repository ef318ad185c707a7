package io.github.h3connector.bench;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.http3.DefaultHttp3DataFrame;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.http3.Http3HeadersFrame;
import io.netty.handler.codec.http3.Http3RequestStreamInboundHandler;
import io.netty.handler.codec.http3.Http3ServerConnectionHandler;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicCongestionControlAlgorithm;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.ReferenceCountUtil;

/**
 * Benchmark anchor, never product code: a minimal HTTP/3 server straight on Netty's QUIC codec (release-built quiche +
 * BoringSSL), the ceiling for a Java stack on quiche on this machine. Same endpoints, body pattern and key as
 * {@link BenchServer}, so the runner measures and checks it the same way. Run in its own JVM by the runner; prints
 * {@code READY 0 <udpPort> nio <settings>} and serves until stdin closes.
 *
 * <pre>java ... NettyH3Server --keystore FILE</pre>
 */
public final class NettyH3Server
{
    static final String SETTINGS = "one NIO event loop, CUBIC, idle 30 s, initialMaxData 256 MiB, stream windows 128 MiB, " +
        "256 bidi (as h3connector's maxStreams) / 16 uni streams, maxSendUdpPayloadSize 1350, 64 KiB DATA writes paused while the stream is not writable, " +
        "4 MiB socket buffers";
    private static final int SOCKET_BUFFER = 4 << 20;
    /** Pattern.BLOCK in direct memory once; writes send slices of it (unreleasable: the codec releases what it writes). */
    private static final ByteBuf BLOCK = Unpooled.unreleasableBuffer(Unpooled.directBuffer(Pattern.BLOCK.length).writeBytes(Pattern.BLOCK));

    private NettyH3Server()
    {
    }

    public static void main(String[] args) throws Exception
    {
        Path keyStore = Path.of(args.length == 2 && args[0].equals("--keystore") ? args[1] : "target/bench.p12");
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore))
        {
            store.load(in, BenchServer.PASSWORD.toCharArray());
        }
        String alias = store.aliases().nextElement();
        QuicSslContext tls = QuicSslContextBuilder.forServer((PrivateKey)store.getKey(alias, BenchServer.PASSWORD.toCharArray()), null,
            (X509Certificate)store.getCertificate(alias)).applicationProtocols(Http3.supportedApplicationProtocols()).build();

        ChannelHandler codec = Http3.newQuicServerCodecBuilder()
            .sslContext(tls)
            .congestionControlAlgorithm(QuicCongestionControlAlgorithm.CUBIC)
            .maxIdleTimeout(30, TimeUnit.SECONDS)
            .initialMaxData(256L << 20)
            .initialMaxStreamDataBidirectionalLocal(128L << 20)
            .initialMaxStreamDataBidirectionalRemote(128L << 20)
            .initialMaxStreamDataUnidirectional(128L << 20)
            .initialMaxStreamsBidirectional(256)
            .initialMaxStreamsUnidirectional(16)
            .maxSendUdpPayloadSize(1350)
            .handler(new ChannelInitializer<QuicChannel>()
            {
                @Override
                protected void initChannel(QuicChannel connection)
                {
                    connection.pipeline().addLast(new Http3ServerConnectionHandler(new ChannelInitializer<QuicStreamChannel>()
                    {
                        @Override
                        protected void initChannel(QuicStreamChannel stream)
                        {
                            stream.pipeline().addLast(new RequestHandler());
                        }
                    }));
                }
            })
            .build();

        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        Channel channel = new Bootstrap().group(group).channel(NioDatagramChannel.class)
            .option(ChannelOption.SO_RCVBUF, SOCKET_BUFFER)
            .option(ChannelOption.SO_SNDBUF, SOCKET_BUFFER)
            .handler(codec)
            .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        System.out.println("READY 0 " + ((InetSocketAddress)channel.localAddress()).getPort() + " nio " + SETTINGS);
        System.out.flush();
        // Serve until the runner closes our stdin (or dies).
        while (System.in.read() >= 0)
        {
            // nothing
        }
        channel.close().sync();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        System.exit(0);
    }

    /** One request stream: {@code GET /bytes?n=N} or {@code POST /upload}, as in {@link BenchServer}. */
    private static final class RequestHandler extends Http3RequestStreamInboundHandler
    {
        private long remaining; // bytes of a /bytes response still to write
        private MessageDigest upload; // non-null while an upload is being read
        private long received; // bytes of the upload so far

        @Override
        protected void channelRead(ChannelHandlerContext ctx, Http3HeadersFrame frame)
        {
            String method = String.valueOf(frame.headers().method());
            String path = String.valueOf(frame.headers().path());
            if (method.equals("GET") && path.startsWith("/bytes?n="))
            {
                remaining = Long.parseLong(path.substring("/bytes?n=".length()));
                Http3HeadersFrame headers = new DefaultHttp3HeadersFrame();
                headers.headers().status("200").add("content-type", "application/octet-stream").addLong("content-length", remaining);
                if (remaining == 0)
                    ctx.writeAndFlush(headers).addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
                else
                {
                    ctx.write(headers);
                    writeBody(ctx);
                }
            }
            else if (method.equals("POST") && path.equals("/upload"))
                upload = Pattern.sha256();
            else
                respond(ctx, "404", "not found");
        }

        @Override
        protected void channelRead(ChannelHandlerContext ctx, Http3DataFrame frame)
        {
            if (upload != null)
            {
                // Counted and hashed, so the runner checks the body as it does against BenchServer's /upload.
                upload.update(frame.content().nioBuffer());
                received += frame.content().readableBytes();
            }
            ReferenceCountUtil.release(frame);
        }

        @Override
        protected void channelInputClosed(ChannelHandlerContext ctx)
        {
            if (upload != null)
                respond(ctx, "200", HexFormat.of().formatHex(upload.digest()) + " " + received);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception
        {
            writeBody(ctx);
            super.channelWritabilityChanged(ctx);
        }

        /** Writes 64 KiB DATA frames while the stream can take them; writability resumes the rest. */
        private void writeBody(ChannelHandlerContext ctx)
        {
            while (remaining > 0 && ctx.channel().isWritable())
            {
                int chunk = (int)Math.min(remaining, BLOCK.capacity());
                remaining -= chunk;
                Http3DataFrame data = new DefaultHttp3DataFrame(BLOCK.slice(0, chunk));
                // The shutdown rides on the last write: a separate empty write can overtake queued data.
                if (remaining == 0)
                    ctx.writeAndFlush(data).addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
                else
                    ctx.write(data);
            }
            ctx.flush();
        }

        private static void respond(ChannelHandlerContext ctx, String status, String body)
        {
            byte[] bytes = body.getBytes(StandardCharsets.US_ASCII);
            Http3HeadersFrame headers = new DefaultHttp3HeadersFrame();
            headers.headers().status(status).add("content-type", "text/plain").addInt("content-length", bytes.length);
            ctx.write(headers);
            ctx.writeAndFlush(new DefaultHttp3DataFrame(Unpooled.wrappedBuffer(bytes))).addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
        }
    }
}
