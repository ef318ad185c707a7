package io.github.h3connector.quic;

import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.WritePendingException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.quic.DefaultQuicStreamFrame;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamResetException;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.Retainable;
import org.eclipse.jetty.quic.api.Stream;
import org.eclipse.jetty.quic.api.frames.ResetFrame;
import org.eclipse.jetty.quic.common.AbstractStream;
import org.eclipse.jetty.quic.util.ErrorCode;
import org.eclipse.jetty.util.ExceptionUtil;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.AutoLock;
import org.eclipse.jetty.util.thread.Invocable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Jetty QUIC {@link Stream} on a Netty {@link QuicStreamChannel}.
 *
 * <p>Reads: the channel does not read by itself (auto-read off), so bytes stay in quiche, and count against the
 * client's flow-control window, until the protocol above demands them: a slow application holds a fast client.
 * Writes: the promise completes once quiche has taken all the bytes, which it does only within the client's
 * flow-control window: a slow client holds the application ({@link #write}: one buffer goes as it is, several are
 * copied into one). Small writes are the exception, copied and completed at once up to a bound per stream
 * ({@link #writeBehind}).
 *
 * <p>Everything that touches the channel runs on its event loop; listener notifications run there too, one at a time
 * for all streams of a connection, as Jetty's HTTP/3 session expects. Jetty callbacks that may block are completed on
 * Jetty's executor ({@link NettyQuicSession#complete}).
 *
 * <p>Idle timeout: each read that returns data and each write moves the stream's expiry time (a field, no timer); the
 * session's sweep finds an expired stream and asks the listener ({@link #onIdleTimeout}), as Jetty's own QUIC
 * implementation does. Jetty's HTTP/3 turns this off for request streams (0) and keeps its own per-request timeout.
 */
final class NettyQuicStream extends AbstractStream
{
    private static final Logger LOG = LoggerFactory.getLogger(NettyQuicStream.class);
    private static final Stream.Listener DISCARDING = new Stream.Listener() {};
    /** The largest write completed before quiche takes it (see {@link #writeBehind}). */
    private static final int WRITE_BEHIND_MAX = 4096;
    /** Bytes per stream that may wait so. */
    private static final int WRITE_BEHIND_LIMIT = 16384;

    private final AutoLock lock = new AutoLock();
    private final AtomicReference<CloseState> closeState = new AtomicReference<>(CloseState.NOT_CLOSED);
    private final NettyQuicSession session;
    private final QuicStreamChannel channel;
    // Guarded by lock: what quiche gave us and the protocol has not read yet.
    private final ArrayDeque<ByteBuf> received = new ArrayDeque<>();
    private boolean finReceived;
    private Throwable failure;
    private boolean demand;
    // Written on the event loop only (read by demand() on the event loop only).
    private boolean delivering;
    private final AtomicReference<Promise.Invocable<Stream>> pendingWrite = new AtomicReference<>();
    // Write tasks handed to the event loop and not yet run: later writes queue behind them, and a write that knows
    // another follows leaves the flush to it.
    private final AtomicInteger queuedWrites = new AtomicInteger();
    // Bytes of small writes already completed towards the caller and not yet taken by quiche.
    private final AtomicInteger writtenBehind = new AtomicInteger();
    private final boolean earlyData;

    NettyQuicStream(NettyQuicSession session, QuicStreamChannel channel, boolean local)
    {
        this(session, channel, local, false);
    }

    NettyQuicStream(NettyQuicSession session, QuicStreamChannel channel, boolean local, boolean earlyData)
    {
        super(channel.streamId(), local);
        this.session = session;
        this.channel = channel;
        this.earlyData = earlyData;
        setIdleTimeout(session.getQuicConfiguration().getStreamIdleTimeout());
    }

    /**
     * @return whether the client opened this stream in 0-RTT (early data, RFC 9001 section 4.6.1), before the handshake
     *         completed: what it carried then may be a replay by an attacker (RFC 8446 section 8)
     */
    public boolean isEarlyData()
    {
        return earlyData;
    }

    QuicStreamChannel channel()
    {
        return channel;
    }

    @Override
    public void setIdleTimeout(long idleTimeout)
    {
        super.setIdleTimeout(idleTimeout);
        session.scheduleIdleTimeout(this);
    }

    @Override
    protected void notIdle()
    {
        super.notIdle();
        if (session != null)
            session.onActivity();
    }

    @Override
    public NettyQuicSession getSession()
    {
        return session;
    }

    @Override
    public boolean isClosed()
    {
        return closeState.get() == CloseState.CLOSED;
    }

    @Override
    public boolean isLocallyClosed()
    {
        return closeState.get() == CloseState.LOCALLY_CLOSED;
    }

    @Override
    public boolean isRemotelyClosed()
    {
        CloseState state = closeState.get();
        return state == CloseState.REMOTELY_CLOSED || state == CloseState.CLOSED;
    }

    // ---- reading ----

    @Override
    public Content.Chunk read()
    {
        ByteBuf buffer;
        boolean last;
        try (AutoLock ignored = lock.lock())
        {
            if (failure != null)
                return Content.Chunk.from(failure, true);
            buffer = received.poll();
            last = finReceived && received.isEmpty();
        }
        if (last)
            updateCloseState(CloseState.REMOTELY_CLOSED);
        if (buffer == null)
            return last ? Content.Chunk.EOF : null;
        notIdle();
        return Content.Chunk.asChunk(buffer.nioBuffer(), last, new ReleaseOnce(buffer));
    }

    @Override
    public void demand()
    {
        try (AutoLock ignored = lock.lock())
        {
            demand = true;
        }
        // From inside deliver() (the listener demanding again from onDataAvailable): its loop sees the demand when the
        // listener returns, so no task is needed. Anywhere else never inline: Jetty demands from inside the code that
        // creates the stream's endpoint, before the listener can take data (and the API promises no recursion from
        // onDataAvailable either).
        if (channel.eventLoop().inEventLoop() && delivering)
            return;
        channel.eventLoop().execute(this::deliver);
    }

    /** Event loop: calls the listener while there is demand and something to read, else asks quiche for more. */
    private void deliver()
    {
        if (delivering)
            return; // the outer call loops
        delivering = true;
        try
        {
            while (true)
            {
                boolean available;
                try (AutoLock ignored = lock.lock())
                {
                    if (!demand)
                        return;
                    available = hasSomethingToRead();
                    if (available)
                        demand = false;
                }
                if (!available)
                {
                    if (!channel.isActive())
                        return;
                    // May read synchronously (then loop to notify) or later (then onReadComplete calls deliver()).
                    channel.read();
                    try (AutoLock ignored = lock.lock())
                    {
                        if (!hasSomethingToRead())
                            return;
                    }
                    continue;
                }
                notifyDataAvailable();
            }
        }
        finally
        {
            delivering = false;
        }
    }

    private boolean hasSomethingToRead()
    {
        return !received.isEmpty() || finReceived || failure != null;
    }

    void onData(ByteBuf buffer)
    {
        session.onActivity();
        try (AutoLock ignored = lock.lock())
        {
            if (failure == null && !finReceived)
            {
                received.add(buffer);
                return;
            }
        }
        buffer.release();
    }

    void onReadComplete()
    {
        deliver();
    }

    void onFin()
    {
        try (AutoLock ignored = lock.lock())
        {
            finReceived = true;
        }
        deliver();
    }

    /** The peer reset the stream, or reading from quiche failed. */
    void onReadFailure(Throwable cause)
    {
        try (AutoLock ignored = lock.lock())
        {
            if (failure != null)
                return;
            failure = cause;
            releaseReceived();
        }
        updateCloseState(CloseState.REMOTELY_CLOSED);
        if (cause instanceof QuicStreamResetException reset)
            notifyReset(new ResetFrame(getId(), reset.applicationProtocolCode(), 0));
        notifyFailure(cause);
    }

    /** The channel closed: quiche is done with the stream, or the connection went away. */
    void onChannelClosed()
    {
        Promise.Invocable<Stream> write = pendingWrite.get();
        if (write != null)
            finishWrite(write, false, new AsynchronousCloseException());
        CloseState previous = closeState.getAndSet(CloseState.CLOSED);
        if (previous != CloseState.CLOSED)
            removeAndNotifyClose();
        try (AutoLock ignored = lock.lock())
        {
            releaseReceived();
        }
    }

    private void releaseReceived()
    {
        ByteBuf buffer;
        while ((buffer = received.poll()) != null)
            buffer.release();
    }

    // ---- writing ----

    @Override
    public void data(boolean last, List<ByteBuffer> buffers, Promise.Invocable<Stream> promise)
    {
        if (!pendingWrite.compareAndSet(null, promise))
        {
            promise.failed(new WritePendingException());
            return;
        }
        notIdle();
        int bytes = 0;
        for (ByteBuffer buffer : buffers)
            bytes += buffer.remaining();
        if (bytes <= WRITE_BEHIND_MAX && writtenBehind.get() + bytes <= WRITE_BEHIND_LIMIT && channel.isActive())
        {
            writeBehind(last, buffers, bytes, promise);
            return;
        }
        write(last, buffers, promise);
    }

    /**
     * A small write (response HEADERS, a short body, QPACK instructions) is copied and completed at once, in the
     * caller's thread, as a TCP socket completes a write that fits its buffer: the caller's next write (Jetty sends
     * DATA only once HEADERS completed) then follows without a round trip through the event loop, and both leave in
     * one packet. At most {@link #WRITE_BEHIND_LIMIT} bytes per stream wait so, which keeps back-pressure: beyond that
     * a write completes only once quiche has taken it. A later failure still closes the stream.
     */
    private void writeBehind(boolean last, List<ByteBuffer> buffers, int bytes, Promise.Invocable<Stream> promise)
    {
        ByteBuf copy = channel.alloc().directBuffer(bytes);
        for (ByteBuffer buffer : buffers)
            copy.writeBytes(buffer);
        writtenBehind.addAndGet(bytes);
        pendingWrite.set(null);
        if (last)
            updateCloseState(CloseState.LOCALLY_CLOSED);
        onEventLoopInOrder(() -> send(last ? new DefaultQuicStreamFrame(copy, true) : copy).addListener(future ->
        {
            writtenBehind.addAndGet(-bytes);
            if (!future.isSuccess())
                LOG.debug("write of {} bytes completed early failed on {}", bytes, this, future.cause());
        }));
        promise.succeeded(this);
    }

    /** Event loop: writes, and flushes unless another write of this stream is already queued to do it. */
    private ChannelFuture send(Object message)
    {
        return queuedWrites.get() > 0 ? channel.write(message) : channel.writeAndFlush(message);
    }

    /** Runs a write, reset or shutdown on the event loop after those of this stream queued before it. */
    private void onEventLoopInOrder(Runnable operation)
    {
        if (channel.eventLoop().inEventLoop() && queuedWrites.get() == 0)
        {
            operation.run();
            return;
        }
        queuedWrites.incrementAndGet();
        channel.eventLoop().execute(() ->
        {
            queuedWrites.decrementAndGet();
            operation.run();
        });
    }

    /**
     * All the buffers go to quiche as one write: outside its read loop Netty follows every write with
     * {@code quiche_conn_send} and a {@code sendmsg}, so one write per buffer sent a HEADERS or DATA frame (its header,
     * then its payload) as two packets. One buffer is wrapped as it is (direct: no copy until quiche's); several are
     * copied here, in the caller's thread, into one pooled direct buffer: a composite of Jetty's frame header and a
     * heap payload made Netty merge it into a new heap array per write, then copy that again (about 2 bytes of garbage
     * per byte sent). The caller's positions are left alone until the write completes (a write quiche takes at once
     * completes at once, and the caller may then reuse its list). The write carries the FIN if last.
     */
    private void write(boolean last, List<ByteBuffer> list, Promise.Invocable<Stream> promise)
    {
        int count = 0;
        int bytes = 0;
        for (ByteBuffer buffer : list)
        {
            if (buffer.hasRemaining())
            {
                count++;
                bytes += buffer.remaining();
            }
        }
        ByteBuffer[] buffers = new ByteBuffer[count];
        int i = 0;
        for (ByteBuffer buffer : list)
        {
            if (buffer.hasRemaining())
                buffers[i++] = buffer;
        }
        ByteBuf payload;
        if (count == 0)
            payload = Unpooled.EMPTY_BUFFER;
        else if (count == 1)
            payload = Unpooled.wrappedBuffer(buffers[0]);
        else
        {
            payload = channel.alloc().directBuffer(bytes);
            for (ByteBuffer buffer : buffers)
                payload.writeBytes(buffer.duplicate());
        }
        WriteCompletion completion = new WriteCompletion(last, buffers, promise);
        boolean empty = count == 0;
        onEventLoopInOrder(() ->
        {
            if (!empty || last)
                send(last ? new DefaultQuicStreamFrame(payload, true) : payload).addListener(completion);
            else
            {
                // An earlier write may have left its flush to this one.
                channel.flush();
                completion.operationComplete(channel.newSucceededFuture());
            }
        });
    }

    private final class WriteCompletion implements io.netty.channel.ChannelFutureListener
    {
        private final boolean last;
        private final ByteBuffer[] buffers;
        private final Promise.Invocable<Stream> promise;

        private WriteCompletion(boolean last, ByteBuffer[] buffers, Promise.Invocable<Stream> promise)
        {
            this.last = last;
            this.buffers = buffers;
            this.promise = promise;
        }

        @Override
        public void operationComplete(ChannelFuture future)
        {
            Throwable failure = future.isSuccess() ? null : future.cause();
            if (failure == null)
            {
                // Jetty expects written buffers to be consumed, as its own QUIC implementation leaves them.
                for (ByteBuffer buffer : buffers)
                    buffer.position(buffer.limit());
            }
            finishWrite(promise, last, failure);
        }
    }

    /** Completes the write once: a disconnect may fail it while quiche still holds its bytes. */
    private void finishWrite(Promise.Invocable<Stream> promise, boolean last, Throwable cause)
    {
        if (!pendingWrite.compareAndSet(promise, null))
            return;
        if (cause != null || last)
            updateCloseState(CloseState.LOCALLY_CLOSED);
        session.complete(promise, this, cause);
    }

    // ---- other frames ----

    @Override
    public void maxData(long maxData, Promise.Invocable<Stream> promise)
    {
        // quiche sends MAX_STREAM_DATA itself as data is read.
        throw new UnsupportedOperationException();
    }

    @Override
    public void dataBlocked(long offset, Promise.Invocable<Stream> promise)
    {
        throw new UnsupportedOperationException();
    }

    @Override
    public void reset(long appErrorCode, Promise.Invocable<Stream> promise)
    {
        updateCloseState(CloseState.LOCALLY_CLOSED);
        onEventLoopInOrder(() -> channel.flush().shutdownOutput((int)appErrorCode).addListener(f -> session.complete(promise, this, null)));
    }

    @Override
    public void stopSending(long appErrorCode, Promise.Invocable<Stream> promise)
    {
        // Data may still be in flight, so the close state does not change here.
        onEventLoopInOrder(() -> channel.flush().shutdownInput((int)appErrorCode).addListener(f -> session.complete(promise, this, null)));
    }

    @Override
    public void disconnect(long appErrorCode, Throwable failure, Promise.Invocable<Stream> promise)
    {
        disconnect(true, appErrorCode, failure, promise);
    }

    void disconnect(boolean stopAndReset, long appErrorCode, Throwable cause, Promise.Invocable<Stream> promise)
    {
        if (LOG.isDebugEnabled())
            LOG.debug("disconnecting 0x{} stopAndReset={} {}", Long.toHexString(appErrorCode), stopAndReset, this, cause);
        Promise.Invocable<Stream> write = pendingWrite.get();
        if (write != null)
            finishWrite(write, false, cause != null ? cause : new AsynchronousCloseException());
        CloseState previous = closeState.getAndSet(CloseState.CLOSED);
        if (previous != CloseState.CLOSED)
            removeAndNotifyClose();
        try (AutoLock ignored = lock.lock())
        {
            if (failure == null)
                failure = cause != null ? cause : new AsynchronousCloseException();
            releaseReceived();
        }
        if (!stopAndReset || previous == CloseState.CLOSED)
        {
            session.complete(promise, this, null);
            return;
        }
        boolean stop = previous != CloseState.REMOTELY_CLOSED;
        boolean reset = previous != CloseState.LOCALLY_CLOSED && (isBidirectional() || isLocal());
        onEventLoopInOrder(() ->
        {
            channel.flush();
            if (stop && (isBidirectional() || !isLocal()))
                channel.shutdownInput((int)appErrorCode);
            if (reset)
                channel.shutdownOutput((int)appErrorCode);
            session.complete(promise, this, null);
        });
    }

    /**
     * Event loop, from the session's sweep: neither read nor written for the idle timeout. The listener decides; a
     * stream that expires is disconnected (STOP_SENDING and RESET_STREAM with QUIC's {@code NO_ERROR}, as Jetty's
     * implementation sends them), and a reader that is waiting for data is woken to read the timeout.
     */
    void onIdleTimeout(TimeoutException timeout)
    {
        if (isClosed())
            return;
        Promise.Invocable<Boolean> decision = Promise.Invocable.from(Invocable.InvocationType.NON_BLOCKING, (expired, x) ->
        {
            if (LOG.isDebugEnabled())
                LOG.debug("stream idle timeout {} ms {} on {}", getIdleTimeout(), x == null && !expired ? "ignored" : "expired", this);
            if (x == null && !expired)
            {
                notIdle();
                session.scheduleIdleTimeout(this);
                return;
            }
            disconnect(ErrorCode.NO_ERROR.code(), x == null ? timeout : ExceptionUtil.combine(timeout, x), Promise.Invocable.noop());
            session.onEventLoop(this::deliver);
        });
        Stream.Listener listener = getListener();
        if (listener == null)
        {
            decision.succeeded(true);
            return;
        }
        try
        {
            listener.onIdleTimeout(this, timeout, decision);
        }
        catch (Throwable x)
        {
            LOG.info("failure while notifying listener {}", listener, x);
            decision.failed(x);
        }
    }

    // ---- state and notifications ----

    private void updateCloseState(CloseState event)
    {
        while (true)
        {
            CloseState current = closeState.get();
            CloseState next = switch (current)
            {
                case NOT_CLOSED -> event;
                case LOCALLY_CLOSED -> event == CloseState.REMOTELY_CLOSED || event == CloseState.CLOSED ? CloseState.CLOSED : current;
                case REMOTELY_CLOSED -> event == CloseState.LOCALLY_CLOSED || event == CloseState.CLOSED ? CloseState.CLOSED : current;
                case CLOSED -> current;
            };
            if (next == current)
                return;
            if (closeState.compareAndSet(current, next))
            {
                if (next == CloseState.CLOSED)
                    removeAndNotifyClose();
                return;
            }
        }
    }

    private void removeAndNotifyClose()
    {
        if (session.remove(this))
        {
            Stream.Listener listener = getListener();
            if (listener != null)
                notify(() -> listener.onClose(this), listener);
        }
    }

    void notifyNewStream()
    {
        Stream.Listener listener = getListener();
        if (listener != null)
            notify(() -> listener.onNewStream(this, null), listener);
    }

    private void notifyDataAvailable()
    {
        Stream.Listener listener = getListener() == null ? DISCARDING : getListener();
        notify(() -> listener.onDataAvailable(this, false), listener);
    }

    private void notifyReset(ResetFrame frame)
    {
        Stream.Listener listener = getListener();
        if (listener != null)
            notify(() -> listener.onReset(this, frame), listener);
    }

    private void notifyFailure(Throwable cause)
    {
        Stream.Listener listener = getListener();
        if (listener != null)
            notify(() -> listener.onFailure(this, cause), listener);
    }

    private static void notify(Runnable notification, Stream.Listener listener)
    {
        try
        {
            notification.run();
        }
        catch (Throwable x)
        {
            LOG.info("failure while notifying listener {}", listener, x);
        }
    }

    @Override
    public String toString()
    {
        return "%s[%s]".formatted(super.toString(), closeState.get());
    }

    /**
     * The reference count of a chunk read from quiche, which frees its Netty buffer when it reaches zero. A release
     * beyond that is ignored: Jetty 12.1.5's HTTP/3 releases the chunk it is parsing once more when the stream fails,
     * which its own QUIC implementation never notices because its chunks share one pooled buffer.
     */
    private static final class ReleaseOnce implements Retainable
    {
        private final AtomicInteger references = new AtomicInteger(1);
        private final ByteBuf buffer;

        private ReleaseOnce(ByteBuf buffer)
        {
            this.buffer = buffer;
        }

        @Override
        public boolean canRetain()
        {
            return true;
        }

        @Override
        public void retain()
        {
            references.incrementAndGet();
        }

        @Override
        public boolean isRetained()
        {
            return references.get() > 1;
        }

        @Override
        public int getRetained()
        {
            return Math.max(references.get(), 0);
        }

        @Override
        public boolean release()
        {
            int left = references.updateAndGet(count -> Math.max(count - 1, -1));
            if (left == 0)
            {
                buffer.release();
                return true;
            }
            if (left < 0)
                LOG.debug("chunk released once more than retained: ignored");
            return false;
        }
    }

    private enum CloseState
    {
        NOT_CLOSED, LOCALLY_CLOSED, REMOTELY_CLOSED, CLOSED
    }
}
