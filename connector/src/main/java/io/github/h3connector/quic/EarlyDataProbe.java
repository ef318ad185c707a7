package io.github.h3connector.quic;

import java.lang.reflect.Field;
import java.lang.reflect.Method;

import io.netty.handler.codec.quic.QuicChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether quiche is in 0-RTT on a connection ({@code quiche_conn_is_in_early_data}): true on a server once it has
 * accepted the client's early data and until the handshake completes. Netty 4.2.18 does not expose it on the server
 * (its {@code SslEarlyDataReadyEvent} is for clients), so it is reached by reflection: Netty's private
 * {@code QuicheQuicChannel.connection}, {@code QuicheQuicConnection.address()} and the native
 * {@code Quiche.quiche_conn_is_in_early_data}. Where that is not allowed (module path without {@code --add-opens}),
 * it answers false, with one warning: requests sent in 0-RTT are then still served only after the handshake
 * completed, but not flagged as early data.
 */
final class EarlyDataProbe
{
    private static final Logger LOG = LoggerFactory.getLogger(EarlyDataProbe.class);
    private static final EarlyDataProbe INSTANCE = new EarlyDataProbe();

    private final Field connection;
    private final Method address;
    private final Method isFreed;
    private final Method isInEarlyData;

    private EarlyDataProbe()
    {
        Field connection = null;
        Method address = null;
        Method isFreed = null;
        Method isInEarlyData = null;
        try
        {
            Class<?> channelClass = Class.forName("io.netty.handler.codec.quic.QuicheQuicChannel");
            Class<?> connectionClass = Class.forName("io.netty.handler.codec.quic.QuicheQuicConnection");
            Class<?> quiche = Class.forName("io.netty.handler.codec.quic.Quiche");
            connection = channelClass.getDeclaredField("connection");
            address = connectionClass.getDeclaredMethod("address");
            isFreed = connectionClass.getDeclaredMethod("isFreed");
            isInEarlyData = quiche.getDeclaredMethod("quiche_conn_is_in_early_data", long.class);
            connection.setAccessible(true);
            address.setAccessible(true);
            isFreed.setAccessible(true);
            isInEarlyData.setAccessible(true);
        }
        catch (ReflectiveOperationException | RuntimeException x)
        {
            LOG.warn("cannot tell which QUIC connections accepted 0-RTT ({}): requests sent in 0-RTT are served after the handshake " +
                "but not flagged Early-Data; run with --add-opens io.netty.codec.classes.quic/io.netty.handler.codec.quic=io.github.h3connector", x.toString());
            connection = null;
        }
        this.connection = connection;
        this.address = address;
        this.isFreed = isFreed;
        this.isInEarlyData = isInEarlyData;
    }

    /** Event loop of {@code channel} only: quiche's connection is not thread-safe. */
    static boolean isInEarlyData(QuicChannel channel)
    {
        return INSTANCE.probe(channel);
    }

    private boolean probe(QuicChannel channel)
    {
        if (connection == null)
            return false;
        try
        {
            Object quicheConnection = connection.get(channel);
            if (quicheConnection == null || (Boolean)isFreed.invoke(quicheConnection))
                return false;
            return (Boolean)isInEarlyData.invoke(null, (Long)address.invoke(quicheConnection));
        }
        catch (ReflectiveOperationException | RuntimeException x)
        {
            LOG.debug("cannot probe 0-RTT on {}", channel, x);
            return false;
        }
    }
}
