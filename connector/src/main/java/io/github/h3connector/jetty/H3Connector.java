package io.github.h3connector.jetty;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.http3.server.HTTP3ServerConnectionFactory;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * HTTPS plus HTTP/3 on one port number, in one call.
 *
 * <pre>{@code
 * Server server = new Server();
 * SslContextFactory.Server tls = new SslContextFactory.Server();
 * tls.setKeyStorePath("keystore.p12");
 * tls.setKeyStorePassword("secret");
 * H3Connector h3 = H3Connector.addTo(server, tls, H3Options.builder().port(8443).build());
 * server.setHandler(...);
 * server.start();   // TCP 8443: HTTP/1.1 + HTTP/2 (ALPN); UDP 8443: HTTP/3; Alt-Svc: h3=":8443"; ma=86400
 * }</pre>
 *
 * {@link #attachTo(ServerConnector, H3Options)} adds HTTP/3 to an HTTPS connector that already exists, reusing its TLS
 * and HTTP configuration. Either way the HTTP configuration gets a {@link ProtocolCustomizer} (request attributes) and
 * an {@link AltSvcCustomizer} (the advertisement), which replaces the one Jetty's {@link HTTP3ServerConnectionFactory}
 * installs, so that exactly one {@code Alt-Svc} goes out. With {@link H3Options#altSvcFrame()} on, its HTTP/2 factory
 * is replaced by one that also sends the same value in {@code ALTSVC} frames
 * ({@link AltSvcFrameHTTP2ServerConnectionFactory}).
 */
public final class H3Connector
{
    private final ServerConnector tlsConnector;
    private final H3QuicConnector quicConnector;
    private final H3Statistics statistics;

    private H3Connector(ServerConnector tlsConnector, H3QuicConnector quicConnector, H3Statistics statistics)
    {
        this.tlsConnector = tlsConnector;
        this.quicConnector = quicConnector;
        this.statistics = statistics;
    }

    /**
     * Adds an HTTPS connector (HTTP/1.1 and HTTP/2 through ALPN) and an HTTP/3 connector on the same port number to
     * {@code server}, with a new HTTP configuration that has a {@link SecureRequestCustomizer}.
     */
    public static H3Connector addTo(Server server, SslContextFactory.Server sslContextFactory, H3Options options)
    {
        HttpConfiguration httpConfiguration = new HttpConfiguration();
        httpConfiguration.setSecureScheme("https");
        httpConfiguration.addCustomizer(new SecureRequestCustomizer());
        return addTo(server, sslContextFactory, httpConfiguration, options);
    }

    /** As {@link #addTo(Server, SslContextFactory.Server, H3Options)}, with the given HTTP configuration. */
    public static H3Connector addTo(Server server, SslContextFactory.Server sslContextFactory, HttpConfiguration httpConfiguration, H3Options options)
    {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(httpConfiguration, "httpConfiguration");
        Objects.requireNonNull(options, "options");
        if (sslContextFactory == null)
            throw new TlsConfigurationException("HTTP/3 needs TLS, but no SslContextFactory.Server was given: create one with a keystore (setKeyStorePath, setKeyStorePassword)");
        HttpConnectionFactory http1 = new HttpConnectionFactory(httpConfiguration);
        HTTP2ServerConnectionFactory http2 = new HTTP2ServerConnectionFactory(httpConfiguration);
        ALPNServerConnectionFactory alpn = new BlockingUpgradeALPNServerConnectionFactory();
        alpn.setDefaultProtocol(http1.getProtocol());
        ServerConnector tls = new ServerConnector(server, new SslConnectionFactory(sslContextFactory, alpn.getProtocol()), alpn, http2, http1);
        tls.setHost(options.host().orElse(null));
        tls.setPort(options.port());
        server.addConnector(tls);
        return attachTo(tls, options);
    }

    /**
     * Adds HTTP/3 beside an existing HTTPS connector: same TLS setup, same HTTP configuration, and by default the same
     * port number ({@link H3Options#port()} is ignored here; {@link H3Options#udpPort()} still applies).
     *
     * @throws TlsConfigurationException when {@code httpsConnector} does not speak TLS
     */
    public static H3Connector attachTo(ServerConnector httpsConnector, H3Options options)
    {
        Objects.requireNonNull(httpsConnector, "httpsConnector");
        Objects.requireNonNull(options, "options");
        SslConnectionFactory tls = httpsConnector.getConnectionFactory(SslConnectionFactory.class);
        if (tls == null)
            throw new TlsConfigurationException("HTTP/3 needs TLS, but connector " + httpsConnector.getName() + " (port " + httpsConnector.getPort() +
                ") has no SslConnectionFactory: attach HTTP/3 to an HTTPS connector");
        HttpConfiguration httpConfiguration = httpsConnector.getConnectionFactories().stream()
            .filter(HttpConfiguration.ConnectionFactory.class::isInstance)
            .map(factory -> ((HttpConfiguration.ConnectionFactory)factory).getHttpConfiguration())
            .findFirst()
            .orElseThrow(() -> new IllegalArgumentException("connector " + httpsConnector.getName() + " has no HTTP connection factory to take the HttpConfiguration from"));

        replaceAlpnFactory(httpsConnector);
        H3Statistics statistics = new H3Statistics();
        H3QuicConnector quic = new H3QuicConnector(httpsConnector.getServer(), tls.getSslContextFactory(), httpConfiguration, options,
            httpsConnector, statistics);
        installCustomizers(httpConfiguration, quic, statistics, options);
        if (options.altSvcFrame().onConnection())
            replaceHttp2Factory(httpsConnector, quic, options.altSvcFrame(), statistics);
        httpsConnector.getServer().addConnector(quic);
        return new H3Connector(httpsConnector, quic, statistics);
    }

    /** Swaps Jetty's ALPN factory for one without bug #14564; see {@link BlockingUpgradeALPNServerConnectionFactory}. */
    private static void replaceAlpnFactory(ServerConnector httpsConnector)
    {
        ALPNServerConnectionFactory stock = httpsConnector.getConnectionFactory(ALPNServerConnectionFactory.class);
        if (stock == null || stock instanceof BlockingUpgradeALPNServerConnectionFactory)
            return;
        BlockingUpgradeALPNServerConnectionFactory alpn = new BlockingUpgradeALPNServerConnectionFactory(stock.getNegotiatedProtocols().toArray(String[]::new));
        alpn.setDefaultProtocol(stock.getDefaultProtocol());
        httpsConnector.addConnectionFactory(alpn);
    }

    /**
     * Swaps Jetty's HTTP/2 factory for one that also sends {@code ALTSVC} frames, same settings, same place in the
     * protocol order (ALPN offers the connector's protocols in that order).
     */
    private static void replaceHttp2Factory(ServerConnector httpsConnector, H3QuicConnector quic, AltSvcFrameMode mode, H3Statistics statistics)
    {
        HTTP2ServerConnectionFactory stock = httpsConnector.getConnectionFactory(HTTP2ServerConnectionFactory.class);
        if (stock == null)
            throw new IllegalArgumentException("altSvcFrame=" + mode + " needs HTTP/2 on the HTTPS connector (port " + httpsConnector.getPort() +
                "): add an HTTP2ServerConnectionFactory (Jetty's http2 module), or set altSvcFrame OFF");
        if (stock instanceof AltSvcFrameHTTP2ServerConnectionFactory)
            return;
        AltSvcFrameHTTP2ServerConnectionFactory withFrames = new AltSvcFrameHTTP2ServerConnectionFactory(stock, quic, mode, statistics);
        List<ConnectionFactory> factories = new ArrayList<>(httpsConnector.getConnectionFactories());
        factories.replaceAll(factory -> factory == stock ? withFrames : factory);
        httpsConnector.setConnectionFactories(factories);
    }

    private static void installCustomizers(HttpConfiguration httpConfiguration, H3QuicConnector quic, H3Statistics statistics, H3Options options)
    {
        // Jetty's HTTP3ServerConnectionFactory adds its own Alt-Svc customizer (HTTP/2 only, bound port, no ma): ours replaces it.
        List<HttpConfiguration.Customizer> customizers = new ArrayList<>(httpConfiguration.getCustomizers());
        customizers.removeIf(customizer -> customizer.getClass().getName().equals(HTTP3ServerConnectionFactory.class.getName() + "$AltSvcCustomizer"));
        customizers.add(new ProtocolCustomizer(statistics));
        customizers.add(new AltSvcCustomizer(quic, statistics, options.advertiseOnHttp3()));
        httpConfiguration.setCustomizers(customizers);
    }

    /** @return the TCP connector for HTTPS (HTTP/1.1 and HTTP/2) */
    public ServerConnector tlsConnector()
    {
        return tlsConnector;
    }

    /** @return the UDP connector for HTTP/3 */
    public H3QuicConnector quicConnector()
    {
        return quicConnector;
    }

    /** @return the counters of this setup */
    public H3Statistics statistics()
    {
        return statistics;
    }

    @Override
    public String toString()
    {
        return "H3Connector{tcp=" + tlsConnector.getLocalPort() + ", udp=" + quicConnector.getLocalPort() + ", " + statistics + "}";
    }
}
