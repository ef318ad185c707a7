package io.github.h3connector.jetty;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

import org.eclipse.jetty.quic.quiche.Quiche;
import org.eclipse.jetty.quic.quiche.QuicheConfig;
import org.eclipse.jetty.quic.quiche.server.internal.SimpleTokenMinter;
import org.eclipse.jetty.quic.quiche.server.internal.SimpleTokenValidator;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CongestionControlQuicheBindingTest
{
    private static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 4433);
    private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 50000);

    /** The safety net behind QuicDatagramGuard: an invalid token must not reach Jetty's read loop as an exception. */
    @Test
    void anInvalidTokenOnAnAcceptingThreadIsDroppedNotThrown() throws Exception
    {
        CongestionControlQuicheBinding binding = initializedBinding();
        // Own threads: the congestion control choice is a thread-local that would outlive this test on the test thread.
        CompletableFuture.runAsync(() ->
        {
            try
            {
                CongestionControlQuicheBinding.acceptWith(QuicheConfig.CongestionControl.BBR);
                assertNull(binding.tryAccept(new QuicheConfig(), new SimpleTokenValidator(PEER), QuicPackets.initialWithForgedToken(), LOCAL, PEER));
                // What Jetty does next with a null: negotiate, which drops a packet that carries a token.
                assertFalse(binding.negotiate(new SimpleTokenMinter(PEER), QuicPackets.initialWithForgedToken(), ByteBuffer.allocate(2048)));
            }
            catch (Exception x)
            {
                throw new AssertionError(x);
            }
        }, CongestionControlQuicheBindingTest::onNewThread).get();
    }

    @Test
    void connectionsOutsideH3connectorKeepJettysBehaviour() throws Exception
    {
        CongestionControlQuicheBinding binding = initializedBinding();
        CompletableFuture.runAsync(() -> assertThrows(Quiche.TokenValidationException.class, () ->
            binding.tryAccept(new QuicheConfig(), new SimpleTokenValidator(PEER), QuicPackets.initialWithForgedToken(), LOCAL, PEER)),
            CongestionControlQuicheBindingTest::onNewThread).get();
    }

    private static CongestionControlQuicheBinding initializedBinding()
    {
        QuicheNative.load(QuicheBindingChoice.JNA);
        CongestionControlQuicheBinding binding = new CongestionControlQuicheBinding();
        Throwable problem = binding.initialize();
        if (problem != null)
            throw new AssertionError("no quiche binding", problem);
        return binding;
    }

    private static void onNewThread(Runnable task)
    {
        new Thread(task, "accepting-thread").start();
    }
}
