package io.github.h3connector.jetty;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.jetty.quic.quiche.Quiche;
import org.eclipse.jetty.quic.quiche.QuicheConfig;
import org.eclipse.jetty.quic.quiche.QuicheConstants;
import org.eclipse.jetty.quic.quiche.jna.JnaQuicheConnection;
import org.eclipse.jetty.quic.quiche.jna.LibQuiche;
import org.eclipse.jetty.quic.quiche.jna.SizedStructure;
import org.eclipse.jetty.quic.quiche.jna.size_t;
import org.eclipse.jetty.quic.quiche.jna.sockaddr;

/**
 * Accepts and opens QUIC connections like Jetty's JNA binding, but with one native quiche configuration for all
 * connections that share the same settings, as quiche intends, instead of a new one per connection.
 *
 * <p>Why: every new quiche configuration is a new TLS context, into which BoringSSL loads the whole system CA bundle
 * ({@code SSL_CTX_set_default_verify_paths}, about 140 certificates parsed from PEM), needed by nobody on a server
 * that does not ask for client certificates. On this project's machine (quiche 0.24.5's debug build) that was half of
 * the server's CPU time per handshake: 30-35 ms per connection, 15-19 ms without the CA bundle. quiche copies what a
 * connection needs from the configuration ({@code quiche_accept} and {@code quiche_connect} borrow it only during the
 * call), so sharing it is safe. A client pays the same: 2,000 connections of Jetty's HTTP/3 client in one JVM took
 * 23 s of both cores before the first packet left.
 *
 * <p>The configuration is looked up by every setting of Jetty's {@link QuicheConfig} plus the size and modification
 * time of its PEM files, so a certificate that Jetty re-exports after a key store reload is picked up by the next
 * connection, as before.
 */
final class JnaSharedQuicheConfigs
{
    /** Distinct settings kept at once; more means settings that keep changing, then the oldest are freed. */
    private static final int MAX_CONFIGS = 8;

    private final Method buildConfig;
    private final Constructor<JnaQuicheConnection> newConnection;
    private final List<Method> settings = new ArrayList<>();
    private final Map<List<Object>, LibQuiche.quiche_config> configs = new HashMap<>();
    private final SecureRandom random = new SecureRandom();

    private JnaSharedQuicheConfigs() throws ReflectiveOperationException
    {
        buildConfig = JnaQuicheConnection.class.getDeclaredMethod("buildConfig", QuicheConfig.class);
        buildConfig.setAccessible(true);
        newConnection = JnaQuicheConnection.class.getDeclaredConstructor(LibQuiche.quiche_conn.class, LibQuiche.quiche_config.class);
        newConnection.setAccessible(true);
        for (Method method : QuicheConfig.class.getMethods())
        {
            if (method.getName().startsWith("get") && method.getParameterCount() == 0 && !Modifier.isStatic(method.getModifiers()) && method.getDeclaringClass() == QuicheConfig.class)
                settings.add(method);
        }
        settings.sort((a, b) -> a.getName().compareTo(b.getName()));
    }

    /** @throws ReflectiveOperationException if this Jetty's JNA binding is not shaped as expected */
    static JnaSharedQuicheConfigs create() throws ReflectiveOperationException
    {
        return new JnaSharedQuicheConfigs();
    }

    /**
     * What {@code JnaQuicheConnection.tryAccept} does once the token is valid: accept, then feed the packet to the new
     * connection.
     */
    Quiche accept(QuicheConfig quicheConfig, byte[] destinationConnectionId, byte[] originalDestinationConnectionId, ByteBuffer packetRead, SocketAddress local, SocketAddress peer) throws IOException
    {
        SizedStructure<sockaddr> localAddress = sockaddr.convert(local);
        SizedStructure<sockaddr> peerAddress = sockaddr.convert(peer);
        LibQuiche.quiche_conn connection;
        // Locked with the lookup: another thread's lookup may free this configuration (see configFor).
        synchronized (this)
        {
            connection = LibQuiche.INSTANCE.quiche_accept(destinationConnectionId, new size_t(destinationConnectionId.length),
                originalDestinationConnectionId, new size_t(originalDestinationConnectionId.length),
                localAddress.getStructure(), localAddress.getSize(), peerAddress.getStructure(), peerAddress.getSize(), configFor(quicheConfig));
        }
        if (connection == null)
            throw new IOException("failed to create connection");
        JnaQuicheConnection quiche = wrap(connection);
        while (packetRead.hasRemaining())
            quiche.feedCipherBytes(packetRead, local, peer);
        return quiche;
    }

    /** What {@code JnaQuicheConnection.connect} does: a client connection with a random source connection id. */
    Quiche connect(QuicheConfig quicheConfig, InetSocketAddress local, InetSocketAddress peer, int connectionIdLength) throws IOException
    {
        if (connectionIdLength > QuicheConstants.QUICHE_MAX_CONN_ID_LEN)
            throw new IOException("Connection ID length is too large: " + connectionIdLength + " > " + QuicheConstants.QUICHE_MAX_CONN_ID_LEN);
        byte[] sourceConnectionId = new byte[connectionIdLength];
        random.nextBytes(sourceConnectionId);
        SizedStructure<sockaddr> localAddress = sockaddr.convert(local);
        SizedStructure<sockaddr> peerAddress = sockaddr.convert(peer);
        LibQuiche.quiche_conn connection;
        synchronized (this)
        {
            connection = LibQuiche.INSTANCE.quiche_connect(peer.getHostString(), sourceConnectionId, new size_t(sourceConnectionId.length),
                localAddress.getStructure(), localAddress.getSize(), peerAddress.getStructure(), peerAddress.getSize(), configFor(quicheConfig));
        }
        if (connection == null)
            throw new IOException("failed to create connection");
        return wrap(connection);
    }

    private JnaQuicheConnection wrap(LibQuiche.quiche_conn connection) throws IOException
    {
        try
        {
            // No configuration of its own: disposing the connection must not free the shared one.
            return newConnection.newInstance(connection, null);
        }
        catch (ReflectiveOperationException x)
        {
            LibQuiche.INSTANCE.quiche_conn_free(connection);
            throw new IOException("cannot wrap the quiche connection", x);
        }
    }

    synchronized LibQuiche.quiche_config configFor(QuicheConfig quicheConfig) throws IOException
    {
        List<Object> key = key(quicheConfig);
        LibQuiche.quiche_config config = configs.get(key);
        if (config != null)
            return config;
        if (configs.size() >= MAX_CONFIGS)
        {
            // Safe: connections keep nothing of their configuration, and accept and connect use it under this lock.
            configs.values().forEach(LibQuiche.INSTANCE::quiche_config_free);
            configs.clear();
        }
        try
        {
            config = (LibQuiche.quiche_config)buildConfig.invoke(null, quicheConfig);
        }
        catch (InvocationTargetException x)
        {
            if (x.getCause() instanceof IOException io)
                throw io;
            throw new IOException("cannot build the quiche configuration", x.getCause());
        }
        catch (IllegalAccessException x)
        {
            throw new IOException("cannot build the quiche configuration", x);
        }
        configs.put(key, config);
        return config;
    }

    synchronized int configCount()
    {
        return configs.size();
    }

    /** Every setting, and for the PEM files also their size and modification time. */
    private List<Object> key(QuicheConfig quicheConfig) throws IOException
    {
        List<Object> key = new ArrayList<>(settings.size() * 2);
        for (Method setting : settings)
        {
            Object value;
            try
            {
                value = setting.invoke(quicheConfig);
            }
            catch (ReflectiveOperationException x)
            {
                throw new IOException("cannot read " + setting.getName(), x);
            }
            if (value instanceof Object[] array)
                value = Arrays.asList(array);
            key.add(value);
            if (value instanceof String path && setting.getName().endsWith("PemPath"))
            {
                Path file = Path.of(path);
                key.add(Files.size(file));
                key.add(Files.getLastModifiedTime(file));
            }
        }
        return key;
    }
}
