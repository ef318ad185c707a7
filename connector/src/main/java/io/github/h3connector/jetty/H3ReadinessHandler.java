package io.github.h3connector.jetty;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Answers one path with the state of the HTTP/3 listener, for a load balancer's or Kubernetes' readiness probe:
 * {@code 200} while the QUIC listener runs and takes new connections, {@code 503} while it drains (graceful stop) or
 * is stopped. Every other request goes to the wrapped handler. Off unless added (module property
 * {@code jetty.h3connector.readinessPath}).
 *
 * <pre>{@code
 * server.insertHandler(new H3ReadinessHandler(h3.quicConnector(), "/h3-ready"));
 * }</pre>
 */
public final class H3ReadinessHandler extends Handler.Wrapper
{
    private final H3QuicConnector quic;
    private final String path;

    /** @param path where to answer, starting with {@code /}, for example {@code /h3-ready} */
    public H3ReadinessHandler(H3QuicConnector quic, String path)
    {
        this.quic = Objects.requireNonNull(quic, "quic");
        if (path == null || !path.matches("/[A-Za-z0-9._~/-]*"))
            throw new IllegalArgumentException("the readiness path must start with / and have only A-Z a-z 0-9 . _ ~ / -, for example /h3-ready, got '" +
                (path == null ? "null" : path.replaceAll("\\p{Cntrl}", "?")) + "'");
        this.path = path;
    }

    /** @return the path it answers */
    public String path()
    {
        return path;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception
    {
        if (!path.equals(Request.getPathInContext(request)))
            return super.handle(request, response, callback);
        String state = quic.http3State();
        response.setStatus("up".equals(state) ? HttpStatus.OK_200 : HttpStatus.SERVICE_UNAVAILABLE_503);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain;charset=utf-8");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        Content.Sink.write(response, true, "HTTP/3 " + state + "\n", callback);
        return true;
    }

    @Override
    public String toString()
    {
        return "H3ReadinessHandler{" + path + "}";
    }
}
