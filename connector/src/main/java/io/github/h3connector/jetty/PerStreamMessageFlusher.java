package io.github.h3connector.jetty;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.jetty.http3.MessageFlusher;
import org.eclipse.jetty.http3.frames.Frame;
import org.eclipse.jetty.http3.qpack.QpackEncoder;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.quic.common.StreamEndPoint;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's HTTP/3 message flusher, one queue per stream instead of one per connection.
 *
 * <p>Jetty 12.1.5's server session writes the HEADERS and DATA frames of all its streams through a single
 * {@link MessageFlusher}, one frame at a time, each waiting until QUIC has taken all of its bytes. A response whose client
 * stops reading (a paused download, a slow consumer) waits for that stream's flow-control credit, and every other
 * response on the connection queues behind it: a small request on such a connection timed out after 20 s in about 1 run
 * in 3 of {@code Http3PausedResponseTest}, with the server's QUIC stream writable and idle.
 *
 * <p>Here each stream gets its own Jetty {@code MessageFlusher}, so frames of one stream keep their order and their
 * back-pressure (a write completes when QUIC took its bytes), but no stream waits for another.
 *
 * <p>The QPACK encoder stays shared, and its use is serialized here: Jetty's {@code QpackEncoder} inserts into its
 * dynamic table under its lock but queues the matching encoder-stream instructions after releasing it, so two streams
 * encoding at once can send their insertions in the other order; the client's table then differs from the server's,
 * and header blocks decode to another response's values (wrong {@code content-length}, then {@code H3_MESSAGE_ERROR}
 * or a QPACK session error). Each stream's flusher encodes and queues its frame under one lock per connection; what
 * it does there never waits (writes to QUIC are asynchronous).
 */
final class PerStreamMessageFlusher extends MessageFlusher
{
    /** Streams whose last frame was never written (reset, say) are dropped once this many flushers exist. */
    private static final int PRUNE_ABOVE = 64;

    private final ByteBufferPool bufferPool;
    private final QpackEncoder encoder;
    private final boolean useDirectByteBuffers;
    private final Map<StreamEndPoint, MessageFlusher> flushers = new ConcurrentHashMap<>();
    private final Object encoding = new Object();

    PerStreamMessageFlusher(ByteBufferPool bufferPool, QpackEncoder encoder, boolean useDirectByteBuffers)
    {
        super(bufferPool, encoder, useDirectByteBuffers);
        this.bufferPool = bufferPool;
        this.encoder = encoder;
        this.useDirectByteBuffers = useDirectByteBuffers;
    }

    /**
     * Queues the frame on its stream's own flusher and starts that one.
     *
     * @return false: there is nothing for the session to iterate on this (connection-wide) flusher
     */
    @Override
    public boolean offer(StreamEndPoint endPoint, Frame frame, Callback callback)
    {
        if (flushers.size() > PRUNE_ABOVE)
            flushers.keySet().removeIf(stream -> !stream.isOpen());
        MessageFlusher flusher = flushers.computeIfAbsent(endPoint, stream -> new InOrderMessageFlusher());
        if (flusher.isFailed())
        {
            // A failed IteratingCallback never runs again: the stream is broken, and so is this write.
            flushers.remove(endPoint, flusher);
            callback.failed(new IllegalStateException("HTTP/3 stream " + endPoint.getStream().getId() + " failed to write earlier"));
            return false;
        }
        flusher.offer(endPoint, frame, new Forgetting(callback, endPoint, flusher, Frame.isLast(frame)));
        flusher.iterate();
        return false;
    }

    /** One stream's flusher: encodes (QPACK) and hands its next frame to QUIC while no other stream does. */
    private final class InOrderMessageFlusher extends MessageFlusher
    {
        private InOrderMessageFlusher()
        {
            super(bufferPool, encoder, useDirectByteBuffers);
        }

        @Override
        protected Action process()
        {
            synchronized (encoding)
            {
                return super.process();
            }
        }
    }

    /** Drops the stream's flusher after its last frame, or after any failure. */
    private final class Forgetting extends Callback.Nested
    {
        private final StreamEndPoint endPoint;
        private final MessageFlusher flusher;
        private final boolean last;

        private Forgetting(Callback callback, StreamEndPoint endPoint, MessageFlusher flusher, boolean last)
        {
            super(callback);
            this.endPoint = endPoint;
            this.flusher = flusher;
            this.last = last;
        }

        @Override
        public void succeeded()
        {
            if (last)
                flushers.remove(endPoint, flusher);
            super.succeeded();
        }

        @Override
        public void failed(Throwable x)
        {
            flushers.remove(endPoint, flusher);
            super.failed(x);
        }
    }
}
