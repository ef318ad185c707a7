package io.github.h3connector.quic;

import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLPeerUnverifiedException;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import org.eclipse.jetty.io.CyclicTimeouts;
import org.eclipse.jetty.quic.api.Session;
import org.eclipse.jetty.quic.api.Stream;
import org.eclipse.jetty.quic.api.frames.ConnectionCloseFrame;
import org.eclipse.jetty.quic.api.frames.MaxDataFrame;
import org.eclipse.jetty.quic.api.frames.MaxStreamsFrame;
import org.eclipse.jetty.quic.common.AbstractSession;
import org.eclipse.jetty.quic.common.QuicConfiguration;
import org.eclipse.jetty.quic.common.StreamId;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Jetty QUIC {@link Session} on a Netty {@link QuicChannel}: one established QUIC connection.
 *
 * <p>Jetty's HTTP/3 runs on top unchanged: it gets this session through {@code ProtocolSession.Factory}, opens its
 * control and QPACK streams with {@link #newStream}, and sees the client's streams through its listener. Tasks it
 * offers that may block (the application) run on Jetty's executor, never on the event loop.
 *
 * <p>Stream idle timeouts (the QUIC API's {@link Stream#setIdleTimeout}, initially
 * {@link QuicConfiguration#getStreamIdleTimeout}) are swept as Jetty's own QUIC implementation sweeps them: one
 * {@link CyclicTimeouts} per connection, woken at the earliest expiry; reads and writes only move a stream's expiry
 * time, without touching a timer. The sweep runs on the connection's event loop, where the stream listeners are
 * notified.
 */
public final class NettyQuicSession extends AbstractSession
{
    private static final Logger LOG = LoggerFactory.getLogger(NettyQuicSession.class);
    private static final X509Certificate[] NO_CERTIFICATES = new X509Certificate[0];

    private final Map<Long, NettyQuicStream> streams = new ConcurrentHashMap<>();
    private final AtomicLong localUnidirectional = new AtomicLong();
    private final AtomicLong localBidirectional = new AtomicLong();
    private final AtomicBoolean disconnected = new AtomicBoolean();
    private final QuicChannel channel;
    private final long idleTimeout;
    private final StreamTimeouts streamTimeouts;
    private volatile QuicConnectionCloseEvent peerClose;
    private volatile long lastActivityNanos = System.nanoTime();
    // Empty: looked up, none; null: not looked up yet.
    private volatile X509Certificate[] peerCertificates;

    NettyQuicSession(Executor executor, QuicConfiguration configuration, Session.Listener listener, QuicChannel channel, long idleTimeout)
    {
        super(executor, configuration, listener);
        this.channel = channel;
        this.idleTimeout = idleTimeout;
        this.streamTimeouts = new StreamTimeouts(new EventLoopScheduler(channel.eventLoop()));
    }

    /** @return the Netty channel of this connection, for statistics and diagnostics */
    public QuicChannel channel()
    {
        return channel;
    }

    @Override
    public String getId()
    {
        return String.valueOf(channel.localAddress());
    }

    /** @return the application protocol the client chose with ALPN, or null */
    public String getNegotiatedProtocol()
    {
        return channel.sslEngine() == null ? null : channel.sslEngine().getApplicationProtocol();
    }

    @Override
    public long newStreamId(boolean bidirectional)
    {
        AtomicLong counter = bidirectional ? localBidirectional : localUnidirectional;
        return StreamId.newStreamId(counter.getAndIncrement(), bidirectional, false);
    }

    /**
     * Opens a server-initiated stream. Netty numbers streams itself, in the order they are opened, which is the order
     * Jetty asks for ids; a mismatch would mean frames on the wrong stream, so it fails loudly.
     */
    @Override
    public Stream newStream(long streamId, Stream.Listener listener)
    {
        QuicStreamType type = StreamId.isBidirectional(streamId) ? QuicStreamType.BIDIRECTIONAL : QuicStreamType.UNIDIRECTIONAL;
        Future<QuicStreamChannel> created = channel.createStream(type, NettyQuicServer.STREAM_HANDLER);
        QuicStreamChannel streamChannel = created.syncUninterruptibly().getNow();
        if (streamChannel.streamId() != streamId)
        {
            streamChannel.close();
            throw new IllegalStateException("QUIC stream id mismatch: Jetty expected " + streamId + ", Netty opened " + streamChannel.streamId());
        }
        NettyQuicStream stream = new NettyQuicStream(this, streamChannel, true);
        stream.setListener(listener);
        streams.put(streamId, stream);
        streamChannel.attr(NettyQuicServer.STREAM).set(stream);
        return stream;
    }

    /**
     * Event loop: a stream the client opened.
     *
     * @param earlyData whether it was opened in 0-RTT, before the handshake completed
     */
    void onRemoteStream(QuicStreamChannel streamChannel, boolean earlyData)
    {
        onActivity();
        NettyQuicStream stream = new NettyQuicStream(this, streamChannel, false, earlyData);
        streamChannel.attr(NettyQuicServer.STREAM).set(stream);
        streams.put(stream.getId(), stream);
        stream.setListener(notifyNewStream());
        stream.notifyNewStream();
    }

    @Override
    public Stream getStream(long streamId)
    {
        return streams.get(streamId);
    }

    @Override
    public Collection<Stream> getStreams()
    {
        return List.copyOf(streams.values());
    }

    boolean remove(NettyQuicStream stream)
    {
        return streams.remove(stream.getId()) != null;
    }

    @Override
    public void maxStreams(MaxStreamsFrame frame, Promise.Invocable<Session> promise)
    {
        throw new UnsupportedOperationException();
    }

    @Override
    public void ping(Promise.Invocable<Session> promise)
    {
        throw new UnsupportedOperationException();
    }

    @Override
    public void maxData(MaxDataFrame frame, Promise.Invocable<Session> promise)
    {
        throw new UnsupportedOperationException();
    }

    @Override
    public void disconnect(ConnectionCloseFrame frame, Throwable failure, Promise.Invocable<Session> promise)
    {
        if (!disconnected.compareAndSet(false, true))
        {
            promise.succeeded(this);
            return;
        }
        if (LOG.isDebugEnabled())
            LOG.atDebug().setCause(failure).log("disconnecting {} {}", frame, this);
        streamTimeouts.destroy();
        // A session failure: the streams go with the connection, no per-stream reset.
        for (NettyQuicStream stream : new ArrayList<>(streams.values()))
            stream.disconnect(false, frame.getErrorCode(), failure, Promise.Invocable.noop());
        onEventLoop(() ->
        {
            if (channel.isOpen())
            {
                String reason = frame.getReason() == null ? "" : frame.getReason();
                channel.close(true, (int)frame.getErrorCode(), Unpooled.copiedBuffer(reason, StandardCharsets.UTF_8))
                    .addListener(f -> disconnected(promise));
            }
            else
            {
                disconnected(promise);
            }
        });
    }

    private void disconnected(Promise.Invocable<Session> promise)
    {
        LifeCycle.stop(this);
        emitDisconnect();
        complete(promise, this, null);
    }

    /** Event loop: the peer sent CONNECTION_CLOSE. */
    void onPeerClose(QuicConnectionCloseEvent event)
    {
        peerClose = event;
    }

    /** Event loop: the connection is gone (closed by either side, idle timeout, stateless reset). */
    void onChannelInactive()
    {
        if (disconnected.get())
            return;
        QuicConnectionCloseEvent close = peerClose;
        ConnectionCloseFrame frame = close != null
            ? new ConnectionCloseFrame(close.error(), reason(close))
            : new ConnectionCloseFrame(0, channel.isTimedOut() ? "idle_timeout" : "closed");
        // Inwards first (HTTP/3 fails its streams), which ends in disconnect(); then make sure it did.
        notifyClose(frame);
        disconnect(frame, null, Promise.Invocable.noop());
    }

    private static String reason(QuicConnectionCloseEvent close)
    {
        try
        {
            return new String(close.reason(), StandardCharsets.UTF_8);
        }
        catch (NullPointerException x)
        {
            // Netty 4.2.18 throws instead of returning an empty reason when the peer sent none.
            return "";
        }
    }

    /**
     * @param transport a Jetty stream end point's transport, a QUIC stream of this engine or anything else
     * @return whether it is a QUIC stream the client opened in 0-RTT, before the handshake completed
     */
    public static boolean isEarlyDataStream(Object transport)
    {
        return transport instanceof NettyQuicStream stream && stream.isEarlyData();
    }

    void open()
    {
        emitOpen();
        scheduleIdleCheck(closeWhenIdleNanos());
    }

    /**
     * Any thread: the stream's idle timeout was set, so its expiry may now be earlier than the next sweep. A stream that
     * is only active needs no call: its expiry moves later, and the sweep that finds it not expired looks again then.
     */
    void scheduleIdleTimeout(NettyQuicStream stream)
    {
        if (!disconnected.get())
            streamTimeouts.schedule(stream);
    }

    /** A stream read or wrote: the connection is in use. */
    void onActivity()
    {
        lastActivityNanos = System.nanoTime();
    }

    /**
     * quiche closes an idle connection silently, as RFC 9000 section 10.1 allows; a client that does not honour the
     * negotiated {@code max_idle_timeout} (Jetty 12.1.5's uses its own, longer one) then sends its next request into a
     * connection the server has forgotten, and fails it. So HTTP/3 closes an idle connection itself, with GOAWAY and
     * {@code CONNECTION_CLOSE}, a little before quiche's timer would.
     */
    private boolean hasRequestStreams()
    {
        for (NettyQuicStream stream : streams.values())
        {
            if (stream.isBidirectional())
                return true;
        }
        return false;
    }

    private long closeWhenIdleNanos()
    {
        long idle = TimeUnit.MILLISECONDS.toNanos(idleTimeout);
        return idle - Math.min(TimeUnit.SECONDS.toNanos(1), idle / 10);
    }

    private void scheduleIdleCheck(long delayNanos)
    {
        if (!disconnected.get())
            channel.eventLoop().schedule(this::checkIdle, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void checkIdle()
    {
        if (disconnected.get())
            return;
        long idleFor = System.nanoTime() - lastActivityNanos;
        long limit = closeWhenIdleNanos();
        // A request still open is not idle, even when its packets are late (a busy server, a slow network): quiche's
        // own timer still ends a connection whose peer went silent.
        if (idleFor < limit || hasRequestStreams())
        {
            scheduleIdleCheck(Math.max(limit - idleFor, limit / 4));
            return;
        }
        if (!notifyIdleTimeout(new TimeoutException("Idle timeout " + idleTimeout + " ms elapsed")))
            onActivity();
        // HTTP/3 closes the connection itself when it confirms the timeout; check again in case it did not.
        scheduleIdleCheck(limit);
    }

    private final class StreamTimeouts extends CyclicTimeouts<NettyQuicStream>
    {
        private StreamTimeouts(Scheduler scheduler)
        {
            super(scheduler);
        }

        @Override
        protected Iterator<NettyQuicStream> iterator()
        {
            return streams.values().iterator();
        }

        @Override
        protected boolean onExpired(NettyQuicStream stream)
        {
            stream.onIdleTimeout(new TimeoutException("Idle timeout " + stream.getIdleTimeout() + " ms elapsed"));
            // A stream that times out removes itself from the map as it closes.
            return false;
        }
    }

    /** Jetty's {@link Scheduler} on a Netty event loop: what it schedules runs on that loop. */
    private static final class EventLoopScheduler extends AbstractLifeCycle implements Scheduler
    {
        private final EventExecutor eventLoop;

        private EventLoopScheduler(EventExecutor eventLoop)
        {
            this.eventLoop = eventLoop;
        }

        @Override
        public Task schedule(Runnable task, long delay, TimeUnit units)
        {
            try
            {
                Future<?> scheduled = eventLoop.schedule(task, delay, units);
                return () -> scheduled.cancel(false);
            }
            catch (RejectedExecutionException x)
            {
                // The event loop is shutting down, and its connections with it.
                return () -> false;
            }
        }
    }

    @Override
    public SocketAddress getLocalSocketAddress()
    {
        return channel.localSocketAddress();
    }

    @Override
    public SocketAddress getRemoteSocketAddress()
    {
        // Follows the client across migrations and NAT rebinding.
        return channel.remoteSocketAddress();
    }

    @Override
    public long getLocalBidirectionalMaxStreams()
    {
        return Integer.MAX_VALUE;
    }

    @Override
    public long getIdleTimeout()
    {
        return idleTimeout;
    }

    /**
     * The client's certificates are fixed once the handshake is done, which it is when the session exists, so they
     * are looked up once: Jetty asks on every request ({@code SecureRequestCustomizer}), and without a client
     * certificate the SSL session answers with an exception, whose stack trace cost more than the rest of a small
     * request's QUIC work.
     */
    @Override
    public X509Certificate[] getPeerCertificates()
    {
        X509Certificate[] certificates = peerCertificates;
        if (certificates == null)
        {
            certificates = lookUpPeerCertificates();
            peerCertificates = certificates;
        }
        return certificates.length == 0 ? null : certificates.clone();
    }

    private X509Certificate[] lookUpPeerCertificates()
    {
        try
        {
            if (channel.sslEngine() == null)
                return NO_CERTIFICATES;
            Certificate[] certificates = channel.sslEngine().getSession().getPeerCertificates();
            List<X509Certificate> x509 = new ArrayList<>();
            for (Certificate certificate : certificates)
            {
                if (certificate instanceof X509Certificate c)
                    x509.add(c);
            }
            return x509.toArray(X509Certificate[]::new);
        }
        catch (SSLPeerUnverifiedException x)
        {
            return NO_CERTIFICATES;
        }
    }

    /**
     * Runs a task of the protocol above: inline when the caller asked for it and that cannot block an event loop,
     * otherwise on Jetty's executor.
     */
    @Override
    public void offerTask(Runnable task, boolean dispatch)
    {
        if (task == null)
            return;
        boolean onEventLoop = channel.eventLoop().inEventLoop();
        if (!dispatch && (!onEventLoop || Invocable.getInvocationType(task) == Invocable.InvocationType.NON_BLOCKING))
            task.run();
        else
            execute(task);
    }

    void onEventLoop(Runnable task)
    {
        if (channel.eventLoop().inEventLoop())
            task.run();
        else
            channel.eventLoop().execute(task);
    }

    /** Completes a Jetty promise: inline when it says it does not block, otherwise on Jetty's executor. */
    <T> void complete(Promise.Invocable<T> promise, T result, Throwable failure)
    {
        Runnable completion = failure == null ? () -> promise.succeeded(result) : () -> promise.failed(failure);
        if (promise.getInvocationType() == Invocable.InvocationType.NON_BLOCKING || !channel.eventLoop().inEventLoop())
            completion.run();
        else
            execute(completion);
    }

    private void execute(Runnable task)
    {
        try
        {
            getExecutor().execute(task);
        }
        catch (RejectedExecutionException x)
        {
            // The executor is stopping: run it here rather than lose it.
            LOG.debug("executor rejected {}, running it inline", task, x);
            task.run();
        }
    }

    @Override
    public String toString()
    {
        return "%s@%x[%s %s]".formatted(getClass().getSimpleName(), hashCode(), channel.remoteSocketAddress(), disconnected.get() ? "disconnected" : "open");
    }
}
