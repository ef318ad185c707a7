package io.github.h3connector.jetty;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http3.api.Session;
import org.eclipse.jetty.http3.client.HTTP3Client;
import org.eclipse.jetty.http3.client.HTTP3ClientQuicConfiguration;
import org.eclipse.jetty.http3.frames.GoAwayFrame;
import org.eclipse.jetty.quic.quiche.client.QuicheClientQuicConfiguration;
import org.eclipse.jetty.quic.quiche.client.QuicheTransport;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.Invocable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RFC 9114 section 5.2: the GOAWAY that ends a graceful stop carries the first request stream id the server did not
 * process, so it must lie above every request it served. Jetty 12.1.5 always sent 0 ("nothing was processed"), and
 * its own client then failed responses it had not finished reading with {@code RetryableStreamException}.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class GracefulStopGoAwayTest
{
    @Test
    void finalGoAwayCoversTheRequestsServedDuringTheDrain() throws Exception
    {
        QuicheClientQuicConfiguration quic = HTTP3ClientQuicConfiguration.configure(new QuicheClientQuicConfiguration());
        HTTP3Client client = new HTTP3Client(quic, TestClients.quicConnector());
        TestClients.withoutDynamicTable(client);
        try (TestServer server = ReliabilitySupport.started(H3Options.builder()))
        {
            server.server.setStopTimeout(20_000);
            client.start();
            LinkedBlockingQueue<GoAwayFrame> goAways = new LinkedBlockingQueue<>();
            CompletableFuture<Session.Client> connected = new CompletableFuture<>();
            client.connect(new QuicheTransport(quic), new InetSocketAddress("127.0.0.1", server.udpPort()), new Session.Client.Listener()
            {
                @Override
                public void onGoAway(Session session, GoAwayFrame frame)
                {
                    goAways.add(frame);
                }
            }, Promise.Invocable.from(Invocable.InvocationType.NON_BLOCKING, connected::complete, connected::completeExceptionally));
            Session.Client session = connected.get(10, TimeUnit.SECONDS);

            // Stream 0: served before the stop. Stream 4: in the servlet when the stop begins, answered during the drain.
            TestClients.Exchange first = TestClients.get(session, server.url("/protocol"), HttpFields.EMPTY);
            assertEquals(0, first.streamId().get(10, TimeUnit.SECONDS));
            assertEquals(200, first.response().get(10, TimeUnit.SECONDS).getStatus());
            first.body().get(10, TimeUnit.SECONDS);
            TestClients.Exchange inFlight = TestClients.get(session, server.url("/slow?chunks=8"), HttpFields.EMPTY);
            assertEquals(4, inFlight.streamId().get(10, TimeUnit.SECONDS));
            assertTrue(server.slowStarted.await(10, TimeUnit.SECONDS));

            CompletableFuture<Void> stop = CompletableFuture.runAsync(() -> ReliabilityGracefulStopIT.stop(server));
            GoAwayFrame graceful = goAways.poll(10, TimeUnit.SECONDS);
            assertNotNull(graceful, "graceful GOAWAY when the stop begins");
            assertTrue(graceful.isGraceful(), graceful.toString());

            server.release.countDown();
            assertEquals(200, inFlight.response().get(20, TimeUnit.SECONDS).getStatus());
            inFlight.body().get(20, TimeUnit.SECONDS);
            GoAwayFrame last = goAways.poll(20, TimeUnit.SECONDS);
            assertNotNull(last, "GOAWAY once the in-flight request is done");
            assertFalse(last.isGraceful(), last.toString());
            ReliabilitySupport.figure("graceful-stop-goaway", "requests on streams 0 and 4 served; GOAWAYs received: " + graceful + ", then " + last);
            // The first stream id not processed: above stream 4, and no further (stream 8 was never opened).
            assertEquals(8, last.getLastId(), "GOAWAY id after streams 0 and 4 were served");
            stop.get(20, TimeUnit.SECONDS);
        }
        finally
        {
            LifeCycle.stop(client);
        }
    }
}
