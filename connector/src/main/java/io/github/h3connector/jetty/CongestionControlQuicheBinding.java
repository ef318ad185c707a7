package io.github.h3connector.jetty;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

import org.eclipse.jetty.quic.quiche.Quiche;
import org.eclipse.jetty.quic.quiche.QuicheBinding;
import org.eclipse.jetty.quic.quiche.QuicheConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The quiche binding that Jetty's {@code Quiche} class finds first (registered as a service, best priority): it
 * delegates every call to the real binding (FFM or JNA, whichever the usual rules pick) and, for connections that an
 * {@link H3QuicConnector} accepts, sets the congestion control of {@link H3Options#congestionControl()}.
 *
 * <p>Jetty 12.1.5 hard-codes CUBIC for every server connection in a private method. Under random loss CUBIC's window
 * collapses to two packets: with 5 % loss an 8 MiB download did not finish in 60 s, where BBR took 3.4 s (same server,
 * gtlsclient, loopback). The connector's datagram endpoint names the congestion control for the thread that is about
 * to accept (reading a datagram and accepting the connection it opens happen on the same thread); connections made
 * outside h3connector, such as Jetty's HTTP/3 client, keep Jetty's defaults.
 *
 * <p>On those threads it also turns an invalid address-validation token into a dropped packet rather than an
 * exception that would stop Jetty's QUIC listener, and, with the JNA binding, accepts with one shared quiche
 * configuration instead of a new one per connection ({@link JnaSharedQuicheConfigs}: half the server's CPU per
 * handshake). Client connections (Jetty's HTTP/3 client in the same JVM) are opened with shared configurations too.
 *
 * <p>For every connection, it reads packet headers in Java ({@link QuicHeader}) instead of asking quiche: Jetty reads
 * the connection id of every datagram this way, and of a datagram that opens no connection it reads the header two
 * more times. It answers without quiche where the header decides: no connection from a short-header packet, nor from an
 * Initial without a token (that gets a Retry) or of another version (a Version Negotiation packet); and no Version
 * Negotiation packet for a short-header packet, which quiche would send.
 */
public final class CongestionControlQuicheBinding implements QuicheBinding
{
    private static final Logger LOG = LoggerFactory.getLogger(CongestionControlQuicheBinding.class);
    private static final ThreadLocal<QuicheConfig.CongestionControl> ACCEPT_WITH = new ThreadLocal<>();

    private final List<QuicheBinding> candidates;
    private volatile QuicheBinding delegate;
    /** With the JNA binding: accepts h3connector's connections with one quiche configuration for all of them. */
    private volatile JnaSharedQuicheConfigs sharedConfigs;

    public CongestionControlQuicheBinding()
    {
        // The real bindings, seen through the same context class loader as this one (which is how a binding choice
        // applies); never this class itself, which would recurse.
        List<QuicheBinding> found = new ArrayList<>();
        Iterator<ServiceLoader.Provider<QuicheBinding>> providers = ServiceLoader.load(QuicheBinding.class).stream().iterator();
        while (true)
        {
            try
            {
                if (!providers.hasNext())
                    break;
                ServiceLoader.Provider<QuicheBinding> provider = providers.next();
                if (provider.type() != CongestionControlQuicheBinding.class)
                    found.add(provider.get());
            }
            catch (ServiceConfigurationError | LinkageError unusable)
            {
                // e.g. the FFM binding's classes on Java 17: skip it, as Jetty does
            }
        }
        found.sort(Comparator.comparingInt(QuicheBinding::priority));
        candidates = List.copyOf(found);
    }

    /** Connections accepted by this thread from now on use {@code congestionControl}. */
    static void acceptWith(QuicheConfig.CongestionControl congestionControl)
    {
        ACCEPT_WITH.set(congestionControl);
    }

    /** @return the binding that does the work, once initialized */
    QuicheBinding delegate()
    {
        return delegate;
    }

    @Override
    public Throwable initialize()
    {
        IllegalStateException failure = new IllegalStateException("no usable quiche binding among " + candidates);
        for (QuicheBinding candidate : candidates)
        {
            Throwable problem = candidate.initialize();
            if (problem == null)
            {
                delegate = candidate;
                sharedConfigs = sharedQuicheConfigsFor(candidate);
                return null;
            }
            failure.addSuppressed(problem);
        }
        return failure;
    }

    /** @return how to accept with a shared configuration through this binding, or null to let Jetty accept */
    private static JnaSharedQuicheConfigs sharedQuicheConfigsFor(QuicheBinding binding)
    {
        // By name: the JNA binding's classes may be absent (FFM-only deployments).
        if (!"org.eclipse.jetty.quic.quiche.jna.JnaQuicheBinding".equals(binding.getClass().getName()))
            return null;
        try
        {
            return JnaSharedQuicheConfigs.create();
        }
        catch (ReflectiveOperationException | RuntimeException | LinkageError unusable)
        {
            LOG.warn("cannot share one quiche configuration among QUIC connections with this Jetty's JNA binding ({}): each handshake builds its own, about twice the server CPU",
                unusable.toString());
            return null;
        }
    }

    @Override
    public int priority()
    {
        // Jetty's own bindings use 100 (FFM) and 200 (JNA); the lowest wins.
        return 10;
    }

    @Override
    public byte[] fromPacket(ByteBuffer packet)
    {
        // Read in Java: Jetty asks this for every datagram it receives (see QuicHeader). A zero-length id would make
        // Jetty's read loop throw, so it is no id at all and the datagram is dropped.
        QuicHeader header = QuicHeader.read(packet);
        return header == null || header.destinationConnectionId().length == 0 ? null : header.destinationConnectionId();
    }

    @Override
    public Quiche connect(QuicheConfig quicheConfig, InetSocketAddress local, InetSocketAddress peer, int connectionIdLength) throws IOException
    {
        if (sharedConfigs != null)
            return sharedConfigs.connect(quicheConfig, local, peer, connectionIdLength);
        return delegate.connect(quicheConfig, local, peer, connectionIdLength);
    }

    @Override
    public boolean negotiate(Quiche.TokenMinter tokenMinter, ByteBuffer packetRead, ByteBuffer packetToSend) throws IOException
    {
        QuicHeader header = QuicHeader.read(packetRead);
        // Only a long header names a version: quiche would answer a short-header packet of no known connection with a
        // Version Negotiation packet, which RFC 9000 (section 6.1) reserves for packets that can start a connection.
        if (header == null || !header.longHeader())
            return false;
        // What quiche does for a supported version with a token: neither a Version Negotiation nor a Retry.
        if (header.isVersionSupported() && header.tokenLength() > 0)
            return false;
        return delegate.negotiate(tokenMinter, packetRead, packetToSend);
    }

    @Override
    public Quiche tryAccept(QuicheConfig quicheConfig, Quiche.TokenValidator tokenValidator, ByteBuffer packetRead, SocketAddress local, SocketAddress peer) throws IOException
    {
        QuicHeader header = QuicHeader.read(packetRead);
        // quiche accepts nothing else: the caller then negotiates (a Version Negotiation or a Retry packet, or a drop).
        if (header == null || !header.isVersionSupported() || header.tokenLength() == 0)
            return null;
        QuicheConfig.CongestionControl congestionControl = ACCEPT_WITH.get();
        if (congestionControl == null)
            return delegate.tryAccept(quicheConfig, tokenValidator, packetRead, local, peer);
        quicheConfig.setCongestionControl(congestionControl);
        if (sharedConfigs != null)
        {
            byte[] originalDestinationConnectionId = tokenValidator.validate(header.token(), header.tokenLength());
            // An invalid token: null, as below.
            if (originalDestinationConnectionId == null)
                return null;
            return sharedConfigs.accept(quicheConfig, header.destinationConnectionId(), originalDestinationConnectionId, packetRead, local, peer);
        }
        try
        {
            return delegate.tryAccept(quicheConfig, tokenValidator, packetRead, local, peer);
        }
        catch (Quiche.TokenValidationException x)
        {
            // Thrown into Jetty 12.1.5's read loop this would stop the QUIC listener for good. QuicDatagramGuard drops
            // such packets first; this catches any whose header quiche reads differently from the guard. Null makes
            // Jetty negotiate, which drops a packet that carries a token instead of answering it.
            return null;
        }
    }

    @Override
    public String toString()
    {
        return "CongestionControlQuicheBinding{" + delegate + "}";
    }
}
