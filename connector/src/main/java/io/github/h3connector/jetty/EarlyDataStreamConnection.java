package io.github.h3connector.jetty;

import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http3.HTTP3Stream;
import org.eclipse.jetty.http3.frames.HeadersFrame;
import org.eclipse.jetty.http3.parser.MessageParser;
import org.eclipse.jetty.http3.server.internal.HTTP3StreamServer;
import org.eclipse.jetty.http3.server.internal.ServerHTTP3Session;
import org.eclipse.jetty.http3.server.internal.ServerHTTP3StreamConnection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.quic.common.StreamEndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.util.Promise;

/**
 * The HTTP/3 connection of a request stream the client opened in 0-RTT (RFC 8470 as an origin server, RFC 9114
 * section 10.9): a request with a method outside the allowed ones is answered {@code 425 Too Early} here, without
 * reaching the application, and its body is discarded; any other request goes on with {@code Early-Data: 1} added, so
 * that the application, and any server behind it, knows it may be a replay.
 */
final class EarlyDataStreamConnection extends ServerHTTP3StreamConnection
{
    static final String EARLY_DATA = "Early-Data";
    /** RFC 8470 section 5.2. */
    static final int TOO_EARLY = 425;

    private final Set<String> allowedMethods;
    private volatile boolean rejected;

    EarlyDataStreamConnection(Connector connector, HttpConfiguration configuration, StreamEndPoint endPoint,
                              ServerHTTP3Session session, MessageParser parser, Set<String> allowedMethods)
    {
        super(connector, configuration, endPoint, session, parser);
        this.allowedMethods = allowedMethods;
    }

    @Override
    public void onRequest(HTTP3StreamServer stream, HeadersFrame frame)
    {
        MetaData.Request request = (MetaData.Request)frame.getMetaData();
        if (!allowedMethods.contains(request.getMethod()))
        {
            rejected = true;
            MetaData.Response tooEarly = new MetaData.Response(TOO_EARLY, "Too Early", HttpVersion.HTTP_3, HttpFields.EMPTY, 0);
            stream.respond(new HeadersFrame(tooEarly, true), Promise.Invocable.noop());
            if (!frame.isLast())
                discard(stream);
            return;
        }
        HttpFields fields = HttpFields.build(request.getHttpFields()).put(EARLY_DATA, "1");
        MetaData.Request early = new MetaData.Request(request.getBeginNanoTime(), request.getMethod(), request.getHttpURI(),
            request.getHttpVersion(), fields, request.getContentLength(), request.getTrailersSupplier());
        super.onRequest(stream, new HeadersFrame(early, frame.isLast()));
    }

    @Override
    public void onDataAvailable(HTTP3Stream stream, boolean immediate)
    {
        if (rejected)
            discard(stream);
        else
            super.onDataAvailable(stream, immediate);
    }

    @Override
    public void onTrailer(HTTP3Stream stream, HeadersFrame frame)
    {
        if (!rejected)
            super.onTrailer(stream, frame);
    }

    @Override
    public void onIdleTimeout(HTTP3Stream stream, TimeoutException timeout, BiConsumer<Runnable, Boolean> consumer)
    {
        if (rejected)
            consumer.accept(null, true);
        else
            super.onIdleTimeout(stream, timeout, consumer);
    }

    /** Reads and drops the body of a rejected request, so that its flow-control credit returns to the client. */
    private static void discard(HTTP3Stream stream)
    {
        while (true)
        {
            Content.Chunk chunk = stream.read();
            if (chunk == null)
            {
                stream.demand();
                return;
            }
            chunk.release();
            if (chunk.isLast() || Content.Chunk.isFailure(chunk))
                return;
        }
    }
}
