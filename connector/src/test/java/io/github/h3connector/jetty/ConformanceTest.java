package io.github.h3connector.jetty;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http3.api.Session;
import org.eclipse.jetty.http3.client.HTTP3Client;
import org.eclipse.jetty.http3.client.HTTP3ClientQuicConfiguration;
import org.eclipse.jetty.http3.client.HTTP3SessionClient;
import org.eclipse.jetty.http3.client.internal.ClientHTTP3Session;
import org.eclipse.jetty.http3.frames.SettingsFrame;
import org.eclipse.jetty.quic.quiche.client.QuicheClientQuicConfiguration;
import org.eclipse.jetty.quic.quiche.client.QuicheTransport;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.Invocable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The QUIC Interop Runner's server-side cases (https://interop.seemann.io) that need the in-JVM server: its counters
 * (open connections after an idle timeout or a vanished client), a response held back while the client moves, or a
 * relay confined to the handshake; and what the benchmarks module's {@code InteropIT} does not check (the oversized
 * header section over HTTP/1.1 and beyond 4 times the limit, the connection ids around a migration). The other cases
 * (resumption, 0-RTT, key update, ChaCha20, version negotiation and QUIC v2, NAT rebinding, ECN and more) run in
 * {@code InteropIT} against the demo and the Jetty distribution, on Java 17 and 25. Driven by ngtcp2's {@code gtlsclient}
 * (Debian package {@code ngtcp2-client}) and, where gtlsclient cannot send the request, Jetty's HTTP/3 client; each case
 * checks the client's own log, not only its exit status, and every download by size and SHA-256.
 */
@Timeout(value = 600, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ConformanceTest
{
    private static final int MIB = 5;

    @TempDir
    Path temp;

    /** interop case "idle timeout": the advertised {@code max_idle_timeout} is the configured one, and it is applied. */
    @Test
    void idleTimeoutIsAdvertisedAndApplied() throws Exception
    {
        try (TestServer server = ReliabilitySupport.started(H3Options.builder().idleTimeout(Duration.ofSeconds(3))))
        {
            // No --exit-on-all-streams-close: the client keeps the connection open; its own idle timeout is 60 s.
            Gtls run = gtls(server, "idle", "--timeout=60s", url(server, 0.01, 1));
            assertEquals("3000", run.serverTransportParameter("max_idle_timeout"), run.tail());
            // Whichever fires first at 3 s: the client's idle timer (min of both sides' values), or the server's HTTP/3
            // idle close, sent just before quiche's silent timeout (H3_NO_ERROR, reason idle_timeout).
            assertTrue(run.output().contains("ERR_IDLE_CLOSE") ||
                    run.output().contains("CONNECTION_CLOSE(0x1d) error_code=(unknown)(0x100) frame_type=0 reason_len=12 reason=[idle_timeout]"),
                "the connection closed on the idle timeout; " + run.tail());
            run.assertDownload(0.01, 1);
            awaitNoOpenConnection(server);
        }
    }

    /**
     * interop case "a client that vanishes": the client is killed after its download, without closing; the server frees
     * the connection once the idle timeout has passed.
     */
    @Test
    void vanishedClientIsFreedAfterTheIdleTimeout() throws Exception
    {
        try (TestServer server = ReliabilitySupport.started(H3Options.builder().idleTimeout(Duration.ofSeconds(3))))
        {
            Path directory = Files.createDirectories(temp.resolve("vanish"));
            Process process = new ProcessBuilder(GtlsClientInteropTest.GTLSCLIENT.toString(), "--quiet", "--timeout=60s",
                "--download=" + directory, "127.0.0.1", String.valueOf(server.udpPort()), url(server, 0.01, 1))
                .redirectErrorStream(true).redirectOutput(temp.resolve("vanish.log").toFile()).start();
            Path file = directory.resolve("bytes?mib=0.01&seed=1");
            try
            {
                for (int i = 0; i < 300 && !(Files.exists(file) && Files.size(file) == 10485); i++)
                    Thread.sleep(100);
                assertEquals(10485, Files.size(file), "download before the client vanished");
                assertEquals(1, server.h3.statistics().getOpenQuicConnections(), "the connection is open while the client is alive");
            }
            finally
            {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            assertEquals(1, server.h3.statistics().getOpenQuicConnections(), "no close reached the server from the killed client");
            awaitNoOpenConnection(server);
        }
    }

    /**
     * interop case "oversized header section": a request whose header section exceeds the server's limit gets 431 on its
     * stream, and the same connection serves the next request. gtlsclient cannot add headers, so Jetty's client sends
     * them, told to ignore the limit the server advertised (as a client that does not read SETTINGS would).
     */
    @Test
    void oversizedHeaderSectionGets431AndTheConnectionKeepsServing() throws Exception
    {
        QuicheClientQuicConfiguration quic = HTTP3ClientQuicConfiguration.configure(new QuicheClientQuicConfiguration());
        HTTP3Client client = new HTTP3Client(quic, TestClients.quicConnector());
        TestClients.withoutDynamicTable(client);
        client.getHTTP3Configuration().setMaxRequestHeadersSize(1 << 20);
        try (TestServer server = ReliabilitySupport.started(H3Options.builder()))
        {
            client.start();
            CompletableFuture<SettingsFrame> settings = new CompletableFuture<>();
            CompletableFuture<Session.Client> connected = new CompletableFuture<>();
            client.connect(new QuicheTransport(quic), new InetSocketAddress("127.0.0.1", server.udpPort()), new Session.Client.Listener()
            {
                @Override
                public void onSettings(Session session, SettingsFrame frame)
                {
                    settings.complete(frame);
                }
            }, Promise.Invocable.from(Invocable.InvocationType.NON_BLOCKING, connected::complete, connected::completeExceptionally));
            Session.Client session = connected.get(10, TimeUnit.SECONDS);
            long advertised = settings.get(10, TimeUnit.SECONDS).getSettings().get(SettingsFrame.MAX_FIELD_SECTION_SIZE);
            assertEquals(8192, advertised, "SETTINGS_MAX_FIELD_SECTION_SIZE, Jetty's default request header limit");
            ((ClientHTTP3Session)((HTTP3SessionClient)session).getProtocolSession()).getQpackEncoder().setMaxHeadersSize(1 << 20);

            assertEquals("200 " + ReliabilitySupport.content(null, 1024, 7), get(session, server, "/bytes?mib=" + (1.0 / 1024) + "&seed=7", 0));
            assertEquals("431", get(session, server, "/bytes?mib=0.001&seed=8", 12_000).substring(0, 3));
            assertEquals("200 " + ReliabilitySupport.content(null, 1024, 9), get(session, server, "/bytes?mib=" + (1.0 / 1024) + "&seed=9", 0));
            assertEquals(1, server.h3.statistics().getQuicConnections(), "all three requests on one connection");
            assertEquals(1, server.h3.statistics().getOpenQuicConnections(), "the connection is still open");
            try (TestClients clients = new TestClients())
            {
                // Over HTTP/1.1 the same request gets the same answer (Jetty's HTTP/2 client refuses to send it, as the
                // server's SETTINGS_MAX_HEADER_LIST_SIZE asks). The client's default 4 KiB buffer would refuse it too.
                clients.http1.setRequestBufferSize(64 << 10);
                var response = clients.http1.newRequest(server.url("/bytes?mib=0.001&seed=8"))
                    .headers(headers -> headers.put("x-padding", "p".repeat(12_000))).timeout(10, TimeUnit.SECONDS).send();
                assertEquals(431, response.getStatus(), "the same request over " + response.getVersion());
            }

            // The documented limit: beyond 4 times the limit Jetty's decoder still fails the whole connection.
            // The client sees its stream reset; the server closed the connection.
            assertThrows(ExecutionException.class, () -> get(session, server, "/bytes?mib=0.001&seed=8", 40_000));
            awaitNoOpenConnection(server);
        }
        finally
        {
            LifeCycle.stop(client);
        }
    }

    /** interop cases "handshake loss" and "handshake corruption" (as loss): 30 % of packets lost both ways, small downloads. */
    @Test
    void handshakeLoss() throws Exception
    {
        // 30 % of the first 12 datagrams each way (the handshake and the request) dropped by a seeded relay: gtlsclient's
        // --tx-loss/--rx-loss drop 30 % of the whole connection both ways, so a probe and its answer both arrive only
        // half the time and ngtcp2's back-off reached 120 s in about 1 of 10 runs (then the client's idle timeout).
        try (TestServer server = ReliabilitySupport.started(H3Options.builder().idleTimeout(Duration.ofSeconds(180))))
        {
            for (int seed = 10; seed < 14; seed++)
            {
                UdpRelay.Spoiler loss = new UdpRelay.Spoiler(seed, 0.3);
                try (UdpRelay relay = UdpRelay.to(server.udpPort(), loss.drop(12), loss.drop(12)))
                {
                    Gtls run = gtls(server, relay.port(), "hsloss" + seed, "--exit-on-all-streams-close", "--handshake-timeout=180s", "--timeout=180s",
                        url(server, 0.01, seed));
                    run.assertDownload(0.01, seed);
                    assertTrue(run.output().contains("QUIC handshake has completed"), run.tail());
                    assertTrue(loss.hits() > 0, "datagrams dropped during the handshake: " + loss.hits());
                }
            }
        }
    }

    /** interop case "transfer loss": 10 % of packets lost both ways during a 5 MiB download. */
    @Test
    void transferLoss() throws Exception
    {
        try (TestServer server = ReliabilitySupport.started(H3Options.builder()))
        {
            Gtls run = gtls(server, "loss", "--exit-on-all-streams-close", "--tx-loss=0.1", "--rx-loss=0.1", "--timeout=120s", url(server, MIB, 6));
            run.assertDownload(MIB, 6);
        }
    }

    /**
     * interop cases "handshake corruption" (30 %, small downloads) and "transfer corruption" (10 %, 5 MiB): a relay
     * between gtlsclient and the server flips one byte in that share of the datagrams, both ways.
     */
    @Test
    void corruption() throws Exception
    {
        // As in handshakeLoss: a lost last handshake packet must not meet the idle timeout before the client's probe.
        try (TestServer server = ReliabilitySupport.started(H3Options.builder().idleTimeout(Duration.ofSeconds(180))))
        {
            for (int seed = 20; seed < 23; seed++)
            {
                UdpRelay.Spoiler corruption = new UdpRelay.Spoiler(seed, 0.3);
                try (UdpRelay relay = UdpRelay.to(server.udpPort(), corruption.corrupt(12), corruption.corrupt(12)))
                {
                    Gtls run = gtls(server, relay.port(), "hscorrupt" + seed, "--exit-on-all-streams-close", "--handshake-timeout=180s", "--timeout=180s",
                        url(server, 0.01, seed));
                    run.assertDownload(0.01, seed);
                    assertTrue(corruption.hits() > 0, "datagrams corrupted: " + corruption.hits());
                }
            }
            UdpRelay.Spoiler corruption = new UdpRelay.Spoiler(99, 0.1);
            try (UdpRelay relay = UdpRelay.to(server.udpPort(), corruption.corrupt(Integer.MAX_VALUE), corruption.corrupt(Integer.MAX_VALUE)))
            {
                Gtls run = gtls(server, relay.port(), "corrupt", "--exit-on-all-streams-close", "--timeout=120s", url(server, MIB, 23));
                run.assertDownload(MIB, 23);
                assertTrue(corruption.hits() > 100, "datagrams corrupted: " + corruption.hits());
            }
        }
    }

    /**
     * interop case "connection migration": 200 ms after the handshake the client moves to a new local port and validates
     * the path, while the server waits 600 ms before it answers; the whole body arrives on the new path.
     */
    @Test
    void activeConnectionMigration() throws Exception
    {
        try (TestServer server = ReliabilitySupport.started(H3Options.builder()))
        {
            Gtls run = gtls(server, "migration", "--exit-on-all-streams-close", "--change-local-addr=200ms", url(server, MIB, 7) + "&delayMs=600");
            run.assertDownload(MIB, 7);
            assertEquals("4", run.serverTransportParameter("active_connection_id_limit"), "connection ids the server accepts");
            String before = run.output().substring(0, run.output().indexOf("Local address is now"));
            // ngtcp2's client keeps the default limit of 2 ids from the server: one spare one.
            assertTrue(Pattern.compile("frm rx \\d+ 1RTT NEW_CONNECTION_ID\\(0x18\\) seq=1 ").matcher(before).find(),
                "the server issued a spare connection id before the move; " + run.tail());
            assertTrue(before.contains("1RTT NEW_CONNECTION_ID(0x18) seq=3 "), "the client could give the server 3 spare ids; " + run.tail());
            String newPort = run.newLocalPort();
            assertTrue(run.output().contains("Path validation against path {local:[127.0.0.1]:" + newPort), "path validated; " + run.tail());
            assertNotEquals(run.firstLocalPort(), newPort);
            assertTrue(run.streamFramesReceivedAfterMove() > 100, "response data on the new path; " + run.tail());
            // The server switches once it hears from the new path; what it had sent to the old one until then arrives
            // there (more of it on a loaded machine), the rest of the response on the new path.
            long oldPath = run.output().lines().filter(line -> line.contains("ignore packet from unknown path")).count();
            assertTrue(oldPath < run.streamFramesReceivedAfterMove() / 2, oldPath + " packets to the old path after the move; " + run.tail());
        }
    }

    private static String url(TestServer server, double mib, int seed)
    {
        return "https://127.0.0.1:" + server.udpPort() + "/bytes?mib=" + mib + "&seed=" + seed;
    }

    private static void awaitNoOpenConnection(TestServer server) throws InterruptedException
    {
        // Bounded only so that a leak fails the test instead of hanging it; the idle timeout is 3 s.
        for (int i = 0; i < 600 && server.h3.statistics().getOpenQuicConnections() > 0; i++)
            Thread.sleep(100);
        assertEquals(0, server.h3.statistics().getOpenQuicConnections(), "connections still open on the server");
    }

    /** @return status and, for 200, the body's SHA-256; with {@code padding} bytes of extra header */
    private static String get(Session.Client session, TestServer server, String path, int padding) throws Exception
    {
        HttpFields.Mutable fields = HttpFields.build();
        if (padding > 0)
            fields.put("x-padding", "p".repeat(padding));
        TestClients.Exchange exchange = TestClients.get(session, server.url(path), fields);
        byte[] body = exchange.body().get(20, TimeUnit.SECONDS);
        int status = exchange.response().join().getStatus();
        return status == 200 ? "200 " + ReliabilitySupport.sha256(body) : String.valueOf(status);
    }

    private Gtls gtls(TestServer server, String name, String... options) throws Exception
    {
        return gtls(server, server.udpPort(), name, options);
    }

    /** Runs gtlsclient against UDP {@code port} (the server's, or a relay's), the last option being the URL. */
    private Gtls gtls(TestServer server, int port, String name, String... options) throws Exception
    {
        GtlsClientInteropTest.requireGtlsclient();
        Path directory = Files.createDirectories(temp.resolve(name));
        List<String> command = new ArrayList<>(List.of(GtlsClientInteropTest.GTLSCLIENT.toString(), "--download=" + directory));
        command.addAll(List.of(options).subList(0, options.length - 1));
        command.addAll(List.of("127.0.0.1", String.valueOf(port), options[options.length - 1]));
        ReliabilitySupport.ProcessResult result = ReliabilitySupport.run(300, command.toArray(String[]::new));
        Gtls run = new Gtls(directory, result);
        assertTrue(result.finished(), "gtlsclient did not finish within 300 s: " + run.tail());
        assertEquals(0, result.exit(), run.tail());
        return run;
    }

    /** One gtlsclient run: its download directory and its verbose log. */
    private record Gtls(Path directory, ReliabilitySupport.ProcessResult result)
    {
        String output()
        {
            return result.output();
        }

        String tail()
        {
            String output = output();
            return "exit " + result.exit() + ", output: " + (output.length() > 3000 ? output.substring(output.length() - 3000) : output);
        }

        void assertDownload(double mib, int seed) throws Exception
        {
            long bytes = (long)(mib * 1024 * 1024);
            List<Path> files;
            try (var list = Files.list(directory))
            {
                files = list.toList();
            }
            assertEquals(1, files.size(), "downloaded files " + files + "; " + tail());
            Path file = files.get(0);
            assertTrue(file.getFileName().toString().startsWith("bytes?mib=" + mib + "&seed=" + seed), file.toString());
            assertEquals(bytes, Files.size(file), "size; " + tail());
            assertEquals(ReliabilitySupport.content(null, bytes, seed), ReliabilitySupport.sha256(file), "SHA-256");
        }

        /** @return a transport parameter the server sent, as the client logged it */
        String serverTransportParameter(String name)
        {
            Matcher matcher = Pattern.compile("cry remote transport_parameters " + name + "=(\\S+)").matcher(output());
            assertTrue(matcher.find(), "transport parameter " + name + " in the client's log; " + tail());
            return matcher.group(1);
        }

        String firstLocalPort()
        {
            Matcher matcher = Pattern.compile("Sent packet: local=\\[127\\.0\\.0\\.1\\]:(\\d+) ").matcher(output());
            assertTrue(matcher.find(), tail());
            return matcher.group(1);
        }

        String newLocalPort()
        {
            Matcher matcher = Pattern.compile("Local address is now \\[127\\.0\\.0\\.1\\]:(\\d+)").matcher(output());
            assertTrue(matcher.find(), "the client moved; " + tail());
            return matcher.group(1);
        }

        /** @return STREAM frames the client received in packets addressed to its new port */
        int streamFramesReceivedAfterMove()
        {
            String port = newLocalPort();
            String after = output().substring(output().indexOf("Local address is now"));
            int frames = 0;
            boolean onNewPath = false;
            for (String line : after.split("\n"))
            {
                if (line.startsWith("Received packet: "))
                    onNewPath = line.startsWith("Received packet: local=[127.0.0.1]:" + port + " ");
                else if (onNewPath && line.contains(" frm rx ") && line.contains(" STREAM("))
                    frames++;
            }
            return frames;
        }
    }
}
