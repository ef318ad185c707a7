package io.github.h3connector.jetty;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.eclipse.jetty.http.HttpVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link H3Options#maxConnections()}: at the limit new QUIC connections are not accepted; HTTPS keeps working. */
@Timeout(60)
class H3ConnectionLimitTest
{
    @Test
    void newConnectionsWaitForAFreeSlot() throws Exception
    {
        try (TestServer server = TestServer.started(H3Options.builder().maxConnections(1).idleTimeout(java.time.Duration.ofSeconds(2))))
        {
            TestClients first = new TestClients();
            assertEquals(HttpVersion.HTTP_3, first.http3.GET(server.url("/protocol")).getVersion());
            assertEquals(1, server.h3.statistics().getOpenQuicConnections());
            try (TestClients second = new TestClients())
            {
                // At the limit the server drops the new connection's Initial packets: the client hears nothing and
                // times out (a TLS or protocol error would fail with an ExecutionException instead).
                long droppedBefore = server.h3.statistics().getDroppedDatagrams();
                assertThrows(TimeoutException.class, () -> second.http3.newRequest(server.url("/protocol")).timeout(2, TimeUnit.SECONDS).send());
                assertTrue(server.h3.statistics().getDroppedDatagrams() > droppedBefore, "the second connection's Initials were dropped");
                // HTTPS is not limited.
                assertEquals(HttpVersion.HTTP_2, second.http2.GET(server.url("/protocol")).getVersion());
            }
            first.close();
            Await.await(() -> server.h3.statistics().getOpenQuicConnections() == 0, Duration.ofSeconds(10),
                () -> "the first connection to close, open: " + server.h3.statistics().getOpenQuicConnections());
            try (TestClients third = new TestClients())
            {
                assertEquals(HttpVersion.HTTP_3, third.http3.newRequest(server.url("/protocol")).timeout(10, TimeUnit.SECONDS).send().getVersion());
            }
        }
    }
}
