package io.github.h3connector.jetty;

import java.util.Set;

import io.github.h3connector.H3Attributes;
import io.github.h3connector.HttpProtocol;
import io.github.h3connector.quic.NettyQuicSession;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Attributes;

/**
 * Tells the application which protocol each request arrived on, through the {@link H3Attributes} request attributes,
 * and counts requests per protocol. The attributes are computed on access, like Jetty's
 * {@code SecureRequestCustomizer} does for its own.
 */
public class ProtocolCustomizer implements HttpConfiguration.Customizer
{
    private static final Set<String> NAMES = Set.of(H3Attributes.PROTOCOL, H3Attributes.HTTP3, H3Attributes.HOP_PROTOCOL, H3Attributes.PROTOCOL_SOURCE);
    private static final Set<String> EARLY_NAMES = Set.of(H3Attributes.PROTOCOL, H3Attributes.HTTP3, H3Attributes.HOP_PROTOCOL, H3Attributes.PROTOCOL_SOURCE,
        H3Attributes.EARLY_DATA);

    private final H3Statistics statistics;

    public ProtocolCustomizer(H3Statistics statistics)
    {
        this.statistics = statistics;
    }

    @Override
    public Request customize(Request request, HttpFields.Mutable responseHeaders)
    {
        HttpProtocol protocol = protocol(request.getConnectionMetaData().getHttpVersion());
        statistics.onRequest(protocol);
        return new ProtocolRequest(request, protocol, protocol.isHttp3() && isEarlyData(request));
    }

    /** @return whether the request's QUIC stream was opened in 0-RTT: the engine's record, never a client header */
    static boolean isEarlyData(Request request)
    {
        Connection connection = request.getConnectionMetaData().getConnection();
        return connection != null && NettyQuicSession.isEarlyDataStream(connection.getEndPoint().getTransport());
    }

    /** HTTP/0.9 counts as HTTP/1.0, which is what Jetty answers it with. */
    static HttpProtocol protocol(HttpVersion version)
    {
        return switch (version)
        {
            case HTTP_3 -> HttpProtocol.HTTP_3;
            case HTTP_2 -> HttpProtocol.HTTP_2;
            case HTTP_1_1 -> HttpProtocol.HTTP_1_1;
            case HTTP_1_0, HTTP_0_9 -> HttpProtocol.HTTP_1_0;
        };
    }

    private static final class ProtocolRequest extends Request.AttributesWrapper
    {
        ProtocolRequest(Request request, HttpProtocol protocol, boolean earlyData)
        {
            super(request, new Attributes.Synthetic(request)
            {
                @Override
                protected Object getSyntheticAttribute(String name)
                {
                    return switch (name)
                    {
                        case H3Attributes.PROTOCOL, H3Attributes.HOP_PROTOCOL -> protocol.toString();
                        case H3Attributes.HTTP3 -> protocol.isHttp3();
                        case H3Attributes.PROTOCOL_SOURCE -> H3Attributes.SOURCE_CONNECTION;
                        case H3Attributes.EARLY_DATA -> earlyData ? Boolean.TRUE : null;
                        default -> null;
                    };
                }

                @Override
                protected Set<String> getSyntheticNameSet()
                {
                    return earlyData ? EARLY_NAMES : NAMES;
                }
            });
        }
    }
}
