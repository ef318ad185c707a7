package io.github.h3connector.jetty;

import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.io.CyclicTimeouts;
import org.eclipse.jetty.quic.api.Session;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The connector's watchdog wakes (flushes) a real, quiet HTTP/3 session once per quiet spell: the flush moves the
 * session's idle expiry, once. (The stalls it ends cannot be forced from outside Jetty; {@link ReliabilityPacketLossTest}
 * is where they showed.)
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class StalledWriteWatchdogTest
{
    @Test
    void wakesAQuietSessionOncePerQuietSpell() throws Exception
    {
        try (TestServer server = TestServer.started(); TestClients clients = new TestClients())
        {
            assertEquals(200, clients.http3.newRequest(server.url("/protocol")).timeout(15, TimeUnit.SECONDS).send().getStatus());
            assertEquals(1, server.h3.statistics().getOpenQuicConnections());
            Session session = server.h3.statistics().openSessions().iterator().next();
            CyclicTimeouts.Expirable expirable = (CyclicTimeouts.Expirable)session;
            long afterRequest = expirable.getExpireNanoTime();

            Thread.sleep(4 * StalledWriteWatchdog.QUIET_MILLIS);
            long afterFirstQuietSpell = expirable.getExpireNanoTime();
            assertTrue(afterFirstQuietSpell - afterRequest >= TimeUnit.MILLISECONDS.toNanos(StalledWriteWatchdog.QUIET_MILLIS),
                "woken (flushed) once it was quiet for " + StalledWriteWatchdog.QUIET_MILLIS + " ms");

            Thread.sleep(4 * StalledWriteWatchdog.QUIET_MILLIS);
            assertEquals(afterFirstQuietSpell, expirable.getExpireNanoTime(), "not woken again while nothing happened");

            assertEquals(200, clients.http3.newRequest(server.url("/protocol")).timeout(15, TimeUnit.SECONDS).send().getStatus());
            long afterSecondRequest = expirable.getExpireNanoTime();
            Thread.sleep(4 * StalledWriteWatchdog.QUIET_MILLIS);
            assertTrue(expirable.getExpireNanoTime() > afterSecondRequest, "a new quiet spell after activity: woken again");
        }
    }
}
