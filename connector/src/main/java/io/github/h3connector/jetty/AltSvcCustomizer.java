package io.github.h3connector.jetty;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;

/**
 * Puts {@code Alt-Svc} on every response to a request that arrived over TLS (HTTP/1.1 or HTTP/2, and HTTP/3 when
 * configured), before the application runs: the header is there even when the application commits at once, throws,
 * resets the response or Jetty renders an error page.
 *
 * <ul>
 *   <li>Exactly one value: it replaces any {@code Alt-Svc} set earlier in the customizer chain, and a value the
 *       application sets later replaces it.</li>
 *   <li>Never on plain-HTTP connections: clients ignore it there, and it must not upgrade them.</li>
 *   <li>Only while the QUIC connector runs; {@code clear} while the server shuts down gracefully.</li>
 * </ul>
 * A customizer rather than a handler, because customizers run for every request before any handler, including the
 * ones Jetty answers itself.
 */
public class AltSvcCustomizer implements HttpConfiguration.Customizer
{
    private final H3QuicConnector quicConnector;
    private final H3Statistics statistics;
    private final boolean onHttp3;

    /**
     * @param quicConnector the connector whose state decides what to advertise
     * @param statistics where to count the headers sent
     * @param onHttp3 whether HTTP/3 responses carry the header too, to refresh {@code ma}
     */
    public AltSvcCustomizer(H3QuicConnector quicConnector, H3Statistics statistics, boolean onHttp3)
    {
        this.quicConnector = quicConnector;
        this.statistics = statistics;
        this.onHttp3 = onHttp3;
    }

    @Override
    public Request customize(Request request, HttpFields.Mutable responseHeaders)
    {
        ConnectionMetaData connection = request.getConnectionMetaData();
        if (!connection.isSecure() || (!onHttp3 && connection.getHttpVersion() == HttpVersion.HTTP_3))
            return request;
        HttpField altSvc = quicConnector.altSvcField();
        if (altSvc != null)
        {
            responseHeaders.put(altSvc);
            statistics.onAltSvc(altSvc == H3QuicConnector.CLEAR);
        }
        return request;
    }

    @Override
    public String toString()
    {
        return "AltSvcCustomizer{" + quicConnector.getAltSvc() + ", onHttp3=" + onHttp3 + "}";
    }
}
