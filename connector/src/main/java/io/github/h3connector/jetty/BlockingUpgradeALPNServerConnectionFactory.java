package io.github.h3connector.jetty;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

import javax.net.ssl.SSLEngine;

import org.eclipse.jetty.alpn.server.ALPNServerConnection;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.ALPNProcessor;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.TypeUtil;

/**
 * Jetty's ALPN factory, except that the negotiating connection reads with a blocking callback.
 *
 * <p>Works around Jetty 12.1.5 bug #14564 (fixed upstream by PR #14975, after 12.1.5): the stock
 * {@code ALPNServerConnection} is non-blocking, so the selector thread itself may run the upgrade to HTTP/2, and
 * {@code HTTP2ServerConnection.onOpen()} may then run a blocking request there. A servlet writing a large response
 * blocks that selector thread, and every later TLS handshake on the connector hangs. Jetty's fix makes upgrading
 * connections blocking; this class does the same for ALPN, the only upgrade on an HTTPS connector.
 */
public class BlockingUpgradeALPNServerConnectionFactory extends ALPNServerConnectionFactory
{
    private final List<ALPNProcessor.Server> processors = new ArrayList<>();

    public BlockingUpgradeALPNServerConnectionFactory(String... protocols)
    {
        super(protocols);
        // Same discovery as the superclass, whose list is private.
        TypeUtil.serviceProviderStream(ServiceLoader.load(ALPNProcessor.Server.class)).forEach(provider ->
        {
            try
            {
                ALPNProcessor.Server processor = provider.get();
                processor.init();
                processors.add(processor);
            }
            catch (Throwable ignored)
            {
                // The superclass already failed if no processor at all can be used.
            }
        });
    }

    @Override
    protected AbstractConnection newServerConnection(Connector connector, EndPoint endPoint, SSLEngine engine, List<String> protocols, String defaultProtocol)
    {
        for (ALPNProcessor.Server processor : processors)
        {
            if (processor.appliesTo(engine))
            {
                ALPNServerConnection connection = new BlockingALPNServerConnection(connector, endPoint, engine, protocols, defaultProtocol);
                processor.configure(engine, connection);
                return connection;
            }
        }
        return super.newServerConnection(connector, endPoint, engine, protocols, defaultProtocol);
    }

    static final class BlockingALPNServerConnection extends ALPNServerConnection
    {
        /** {@link Callback#from(Runnable, java.util.function.Consumer)} is {@code BLOCKING}: run by a pool thread, never the selector. */
        private final Callback blockingFillable = Callback.from(this::onFillable, this::onFillInterestedFailed);

        BlockingALPNServerConnection(Connector connector, EndPoint endPoint, SSLEngine engine, List<String> protocols, String defaultProtocol)
        {
            super(connector, endPoint, engine, protocols, defaultProtocol);
        }

        @Override
        public void fillInterested()
        {
            fillInterested(blockingFillable);
        }
    }
}
