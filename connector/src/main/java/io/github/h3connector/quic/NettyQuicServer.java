package io.github.h3connector.quic;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManager;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.quic.QLogConfiguration;
import io.netty.handler.codec.quic.Quic;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicChannelOption;
import io.netty.handler.codec.quic.QuicCodecDispatcher;
import io.netty.handler.codec.quic.QuicCongestionControlAlgorithm;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.handler.codec.quic.QuicConnectionIdGenerator;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import org.eclipse.jetty.quic.api.Session;
import org.eclipse.jetty.quic.common.QuicConfiguration;
import org.eclipse.jetty.util.component.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The QUIC engine: Netty's QUIC codec (a release build of quiche with BoringSSL) on one UDP port, handing each
 * established connection to Jetty as a {@link NettyQuicSession}.
 *
 * <p>With epoll, {@link Settings#eventLoops()} sockets share the port through {@code SO_REUSEPORT}, each with its own
 * event loop; a {@link QuicCodecDispatcher} sends every packet to the socket that owns its connection, whatever socket
 * the kernel delivered it to. Without epoll (macOS, Windows) one NIO socket and one event loop serve the port.
 */
public final class NettyQuicServer
{
    static final AttributeKey<NettyQuicStream> STREAM = AttributeKey.valueOf(NettyQuicStream.class, "stream");
    static final ChannelHandler STREAM_HANDLER = new StreamHandler();
    private static final Logger LOG = LoggerFactory.getLogger(NettyQuicServer.class);
    /**
     * 4 MiB each way (the kernel caps it at {@code net.core.rmem_max}/{@code wmem_max}): a burst of 2,000 new
     * connections then loses no datagram at the socket, and the queue stays short enough that an open connection's
     * packets do not wait seconds behind the handshakes.
     */
    private static final int SOCKET_BUFFER_BYTES = 4 << 20;
    /**
     * Connection ids each side keeps ready for the other ({@code active_connection_id_limit}): quiche's default, 2,
     * leaves a client one spare id, so a second migration must wait for the server's replacement.
     */
    private static final int ACTIVE_CONNECTION_ID_LIMIT = 4;

    private final Settings settings;
    private final Executor executor;
    private final QuicConfiguration configuration;
    private final Session.Listener.Factory listeners;
    private final Gate gate;
    private final AtomicInteger pendingHandshakes = new AtomicInteger();
    private final List<Channel> channels = new ArrayList<>();
    private EventLoopGroup group;
    private int localPort = -1;

    /**
     * Decides, per datagram and before QUIC sees it, what the connector wants: whether a new connection may start
     * (connection limit, graceful stop), and who was heard from (graceful stop).
     */
    public interface Gate
    {
        boolean acceptNewConnection();

        void heardFrom(SocketAddress peer);
    }

    /**
     * @param host the address to bind, or null for all
     * @param port the UDP port, 0 for any
     * @param eventLoops sockets and event loops sharing the port (epoll only; 1 with NIO)
     * @param idleTimeout closes connections silent for that long; advertised to clients as {@code max_idle_timeout}
     * @param congestionControl {@code BBR}, {@code CUBIC} or {@code RENO}
     * @param retryAbovePendingHandshakes sends Retry (address validation) to new clients while more handshakes than
     *        this are pending: 0 always, {@link Integer#MAX_VALUE} never
     * @param secret keys Retry tokens, connection ids and stateless-reset tokens; nodes that share it can validate
     *        each other's tokens
     * @param earlyData accepts 0-RTT from resuming clients; their 0-RTT streams are served once the handshake
     *        completed, flagged ({@link NettyQuicStream#isEarlyData()})
     * @param qlog which connections write a qlog, and where
     */
    public record Settings(String host, int port, int eventLoops, Duration idleTimeout, long sessionMaxData,
                           long localBidirectionalStreamMaxData, long remoteBidirectionalStreamMaxData,
                           long unidirectionalStreamMaxData, long bidirectionalMaxStreams, long unidirectionalMaxStreams,
                           String congestionControl, int retryAbovePendingHandshakes, byte[] secret, KeyManager keyManager,
                           String keyPassword, boolean earlyData, QlogSink qlog)
    {
    }

    public NettyQuicServer(Settings settings, Executor executor, QuicConfiguration configuration, Session.Listener.Factory listeners, Gate gate)
    {
        this.settings = settings;
        this.executor = executor;
        this.configuration = configuration;
        this.listeners = listeners;
        this.gate = gate;
    }

    /** @return why the native QUIC library cannot be used on this platform, or null when it can */
    public static Throwable nativeLibraryUnavailability()
    {
        return Quic.isAvailable() ? null : Quic.unavailabilityCause();
    }

    /** @return the platforms the native library is shipped for */
    public static List<String> supportedPlatforms()
    {
        return List.of("linux-x86_64", "linux-aarch_64", "osx-x86_64", "osx-aarch_64", "windows-x86_64");
    }

    /** @return "epoll" or "nio" */
    public static String transport()
    {
        return Epoll.isAvailable() ? "epoll" : "nio";
    }

    public synchronized void start() throws IOException
    {
        if (settings.port() != 0)
            checkPortFree(settings.host(), settings.port());
        boolean epoll = Epoll.isAvailable();
        int loops = epoll ? Math.max(1, settings.eventLoops()) : 1;
        group = new MultiThreadIoEventLoopGroup(loops, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        QuicSslContextBuilder sslBuilder = QuicSslContextBuilder.forServer(settings.keyManager(), settings.keyPassword())
            .applicationProtocols("h3");
        // BoringSSL issues session tickets (resumption) either way; early data needs its own switch.
        if (settings.earlyData())
            sslBuilder.earlyData(true);
        QuicSslContext ssl = sslBuilder.build();
        QlogSink qlog = settings.qlog();
        Secrets secrets = new Secrets(settings.secret());
        QuicServerCodecBuilder codec = new QuicServerCodecBuilder()
            // The engine is made per connection after its options and before its quiche connection: the last moment
            // a connection's own qlog file can be chosen.
            .sslEngineProvider(channel ->
            {
                Path file = qlog.nextConnection();
                if (file != null)
                {
                    channel.config().setOption(QuicChannelOption.QLOG, new QLogConfiguration(file.toString(), "h3connector", "server"));
                    // Also when the connection is refused before its pipeline is set up.
                    channel.closeFuture().addListener(closed -> qlog.connectionEnded(file));
                }
                return ssl.newEngine(channel.alloc());
            })
            .maxIdleTimeout(settings.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
            .initialMaxData(settings.sessionMaxData())
            .initialMaxStreamDataBidirectionalLocal(settings.localBidirectionalStreamMaxData())
            .initialMaxStreamDataBidirectionalRemote(settings.remoteBidirectionalStreamMaxData())
            .initialMaxStreamDataUnidirectional(settings.unidirectionalStreamMaxData())
            .initialMaxStreamsBidirectional(settings.bidirectionalMaxStreams())
            .initialMaxStreamsUnidirectional(settings.unidirectionalMaxStreams())
            .congestionControlAlgorithm(QuicCongestionControlAlgorithm.valueOf(settings.congestionControl()))
            .activeMigration(true)
            .activeConnectionIdLimit(ACTIVE_CONNECTION_ID_LIMIT)
            .tokenHandler(new RetryTokenHandler(secrets, () -> pendingHandshakes.get() >= settings.retryAbovePendingHandshakes()))
            .resetTokenGenerator(secrets.resetTokenGenerator())
            .streamOption(ChannelOption.AUTO_READ, false)
            .handler(new ChannelInitializer<QuicChannel>()
            {
                @Override
                protected void initChannel(QuicChannel channel)
                {
                    channel.pipeline().addLast(new ConnectionHandler());
                }
            })
            .streamHandler(STREAM_HANDLER);
        ChannelHandler gateHandler = new GateHandler(gate);
        QuicCodecDispatcher dispatcher = new QuicCodecDispatcher()
        {
            @Override
            protected QuicConnectionIdGenerator newIdGenerator(int index)
            {
                return secrets.connectionIdGenerator(index);
            }

            @Override
            protected void initChannel(Channel channel, int localConnectionIdLength, QuicConnectionIdGenerator idGenerator)
            {
                channel.pipeline().addLast(gateHandler, codec.clone()
                    .localConnectionIdLength(localConnectionIdLength)
                    .connectionIdAddressGenerator(idGenerator)
                    .build());
            }
        };
        Bootstrap bootstrap = new Bootstrap()
            .group(group)
            .channel(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
            .option(ChannelOption.SO_RCVBUF, SOCKET_BUFFER_BYTES)
            .option(ChannelOption.SO_SNDBUF, SOCKET_BUFFER_BYTES)
            .handler(dispatcher);
        if (loops > 1)
            bootstrap.option(EpollChannelOption.SO_REUSEPORT, true);
        try
        {
            int port = settings.port();
            for (int i = 0; i < loops; i++)
            {
                Channel channel = bootstrap.bind(address(settings.host(), port)).syncUninterruptibly().channel();
                channels.add(channel);
                port = ((InetSocketAddress)channel.localAddress()).getPort();
            }
            localPort = port;
        }
        catch (Throwable x)
        {
            stop();
            if (String.valueOf(x.getMessage()).contains("Address already in use"))
                throw (BindException)new BindException("UDP port " + settings.port() + " is already in use").initCause(x);
            throw new IOException("cannot bind QUIC on UDP port " + settings.port() + ": " + x, x);
        }
        LOG.debug("QUIC on UDP {} with {} {} event loop(s)", localPort, loops, transport());
    }

    private static InetSocketAddress address(String host, int port)
    {
        return host == null ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    }

    /**
     * Our sockets share the port through {@code SO_REUSEPORT}, so binding them would also succeed beside another
     * process's {@code SO_REUSEPORT} socket on that port (a second server by the same user), and the two would split the
     * traffic. A plain socket cannot bind beside any other, so it tells whether the port is free.
     */
    private static void checkPortFree(String host, int port) throws BindException
    {
        try (DatagramChannel probe = DatagramChannel.open())
        {
            probe.bind(address(host, port));
        }
        catch (BindException x)
        {
            throw x;
        }
        catch (IOException x)
        {
            LOG.debug("could not probe UDP port {}", port, x);
        }
    }

    public synchronized int localPort()
    {
        return localPort;
    }

    /** @return handshakes that started and did not finish yet */
    public int pendingHandshakes()
    {
        return pendingHandshakes.get();
    }

    /** Closes the sockets; connections still open are dropped. */
    public synchronized void stop()
    {
        for (Channel channel : channels)
            channel.close().syncUninterruptibly();
        channels.clear();
        localPort = -1;
        if (group != null)
        {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            group = null;
        }
    }

    /** Before the codec: drops the Initial packets the connector does not want, records who is heard from. */
    @ChannelHandler.Sharable
    private static final class GateHandler extends ChannelInboundHandlerAdapter
    {
        private final Gate gate;

        private GateHandler(Gate gate)
        {
            this.gate = gate;
        }

        @Override
        public void channelRead(ChannelHandlerContext context, Object message)
        {
            if (message instanceof DatagramPacket packet)
            {
                gate.heardFrom(packet.sender());
                ByteBuf content = packet.content();
                // Long header (0x80) with packet type Initial (QUIC v1: 0b00 in bits 0x30).
                boolean initial = content.isReadable() && (content.getByte(content.readerIndex()) & 0xB0) == 0x80;
                if (initial && !gate.acceptNewConnection())
                {
                    ReferenceCountUtil.release(message);
                    return;
                }
            }
            context.fireChannelRead(message);
        }
    }

    /** One per QUIC connection: makes the Jetty session once the handshake is done. */
    private final class ConnectionHandler extends ChannelInboundHandlerAdapter
    {
        private final List<QuicStreamChannel> streamsBeforeSession = new ArrayList<>();
        private NettyQuicSession session;
        private QuicConnectionCloseEvent peerClose;
        private boolean counted;
        // Event loop only: whether quiche accepted 0-RTT on this connection; whether the read that completed the
        // handshake is still being processed.
        private boolean earlyDataAccepted;
        private boolean completingHandshake;

        @Override
        public void handlerAdded(ChannelHandlerContext context)
        {
            counted = true;
            pendingHandshakes.incrementAndGet();
            if (settings.earlyData())
            {
                // Added as the connection's first datagram arrives; a task runs once that read is processed, and by
                // then quiche has accepted or refused the 0-RTT of a ClientHello that fits in that first flight.
                QuicChannel channel = (QuicChannel)context.channel();
                context.channel().eventLoop().execute(() -> earlyDataAccepted |= EarlyDataProbe.isInEarlyData(channel));
            }
        }

        @Override
        public void channelActive(ChannelHandlerContext context)
        {
            handshakeEnded();
            QuicChannel channel = (QuicChannel)context.channel();
            session = new NettyQuicSession(executor, configuration, listeners.newListener(), channel, settings.idleTimeout().toMillis());
            LifeCycle.start(session);
            session.open();
            // Streams quiche reported before the handshake completed can only have come in 0-RTT.
            for (QuicStreamChannel stream : streamsBeforeSession)
                session.onRemoteStream(stream, true);
            streamsBeforeSession.clear();
            if (earlyDataAccepted)
            {
                // quiche holds 0-RTT packets that came before it had the 0-RTT keys and decrypts them on the next
                // datagram, usually the one with the client's Finished: their streams appear in this same read.
                completingHandshake = true;
                channel.eventLoop().execute(() -> completingHandshake = false);
            }
            context.fireChannelActive();
        }

        /**
         * A stream the client opened. The session, and so the application, only sees streams once the handshake
         * completed, which a client replaying someone else's 0-RTT flight cannot do; a stream whose data came in
         * 0-RTT is still flagged as early data ({@link NettyQuicStream#isEarlyData()}). The flag errs on the safe
         * side: a 1-RTT stream in the datagram that completes a 0-RTT handshake is flagged too.
         */
        void onRemoteStream(QuicStreamChannel stream)
        {
            if (session == null)
                streamsBeforeSession.add(stream);
            else
                session.onRemoteStream(stream, completingHandshake);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext context, Object event)
        {
            if (event instanceof QuicConnectionCloseEvent close)
            {
                peerClose = close;
                if (session != null)
                    session.onPeerClose(close);
            }
            context.fireUserEventTriggered(event);
        }

        @Override
        public void channelInactive(ChannelHandlerContext context)
        {
            handshakeEnded();
            if (session != null)
                session.onChannelInactive();
            else if (LOG.isDebugEnabled())
                LOG.debug("handshake with {} ended before it completed ({})", context.channel().remoteAddress(), peerClose);
            context.fireChannelInactive();
        }

        private void handshakeEnded()
        {
            if (counted)
            {
                counted = false;
                pendingHandshakes.decrementAndGet();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext context, Throwable cause)
        {
            LOG.debug("QUIC connection {} failed", context.channel(), cause);
        }
    }

    /** On every stream: hands what quiche delivers to the {@link NettyQuicStream}. */
    @ChannelHandler.Sharable
    private static final class StreamHandler extends ChannelInboundHandlerAdapter
    {
        @Override
        public void channelActive(ChannelHandlerContext context) throws Exception
        {
            QuicStreamChannel channel = (QuicStreamChannel)context.channel();
            if (!channel.isLocalCreated())
            {
                ConnectionHandler connection = channel.parent().pipeline().get(ConnectionHandler.class);
                if (connection == null)
                    channel.close();
                else
                    connection.onRemoteStream(channel);
            }
            super.channelActive(context);
        }

        @Override
        public void channelRead(ChannelHandlerContext context, Object message)
        {
            NettyQuicStream stream = context.channel().attr(STREAM).get();
            if (stream != null && message instanceof ByteBuf buffer)
                stream.onData(buffer);
            else
                ReferenceCountUtil.release(message);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext context)
        {
            NettyQuicStream stream = context.channel().attr(STREAM).get();
            if (stream != null)
                stream.onReadComplete();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext context, Object event)
        {
            NettyQuicStream stream = context.channel().attr(STREAM).get();
            if (stream != null && event == ChannelInputShutdownReadComplete.INSTANCE)
                stream.onFin();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext context, Throwable cause)
        {
            NettyQuicStream stream = context.channel().attr(STREAM).get();
            if (stream != null)
                stream.onReadFailure(cause);
        }

        @Override
        public void channelInactive(ChannelHandlerContext context)
        {
            NettyQuicStream stream = context.channel().attr(STREAM).get();
            if (stream != null)
                stream.onChannelClosed();
        }
    }
}
