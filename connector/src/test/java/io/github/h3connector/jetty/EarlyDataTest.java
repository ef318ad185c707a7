package io.github.h3connector.jetty;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Pattern;

import io.github.h3connector.H3Attributes;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 0-RTT (TLS early data) with ngtcp2's {@code gtlsclient} (Debian package {@code ngtcp2-client}): a first connection
 * stores the session ticket and transport parameters, a second one resumes and sends its request in 0-RTT. What the
 * client did is read from its own log: the request's STREAM frame in a 0-RTT packet, and whether it then reported
 * {@code Early data was rejected by server} (gtlsclient 0.12 prints nothing when it was accepted; when rejected it
 * sends the request again in 1-RTT). What reached the application is what the servlet saw.
 */
@Timeout(120)
class EarlyDataTest
{
    private static final String REJECTED = "Early data was rejected by server";
    /** gtlsclient's log of the request (stream 0) sent in a 0-RTT packet. */
    private static final Pattern REQUEST_IN_0RTT = Pattern.compile("frm tx \\d+ 0RTT STREAM\\(0x0[8-f]\\) id=0x0 ");
    /** The client's output of the last run of each kind, for a look after a failure. */
    private static final Path LOGS = Path.of("target", "early-data");

    @TempDir
    Path temp;

    /** What the servlet saw of one request: method, the Early-Data header, the early-data attribute. */
    record Seen(String method, String header, Object attribute)
    {
    }

    private final Queue<Seen> seen = new ConcurrentLinkedQueue<>();
    private String testName;

    @BeforeEach
    void name(TestInfo info)
    {
        testName = info.getTestMethod().map(java.lang.reflect.Method::getName).orElse("test");
    }

    @Test
    void offByDefaultEarlyDataIsRejectedAndTheRequestStillServed() throws Exception
    {
        GtlsClientInteropTest.requireGtlsclient();
        try (Running server = start(H3Options.builder()))
        {
            String first = gtlsclient(server.port(), "first");
            assertTrue(Files.size(temp.resolve("session.pem")) > 0, "no session ticket stored: " + tail(first));
            seen.clear();
            String second = gtlsclient(server.port(), "second");
            assertTrue(sentIn0Rtt(second) && second.contains(REJECTED), "expected the 0-RTT to be rejected: " + tail(second));
            assertEquals("method=GET early=null header=null", Files.readString(temp.resolve("second/early")));
            assertEquals(List.of(new Seen("GET", null, null)), List.copyOf(seen));
        }
    }

    @Test
    void onAGetIn0RttIsServedFlaggedAsEarlyData() throws Exception
    {
        GtlsClientInteropTest.requireGtlsclient();
        try (Running server = start(H3Options.builder().earlyData(true)))
        {
            String first = gtlsclient(server.port(), "first");
            assertTrue(!sentIn0Rtt(first), "no 0-RTT without a ticket: " + tail(first));
            assertEquals(List.of(new Seen("GET", null, null)), List.copyOf(seen));
            seen.clear();
            String second = gtlsclient(server.port(), "second");
            assertTrue(sentIn0Rtt(second) && !second.contains(REJECTED), "expected the 0-RTT to be accepted: " + tail(second));
            assertEquals("method=GET early=true header=1", Files.readString(temp.resolve("second/early")));
            assertEquals(List.of(new Seen("GET", "1", Boolean.TRUE)), List.copyOf(seen));
        }
    }

    @Test
    void onAPostIn0RttGets425WithoutReachingTheApplication() throws Exception
    {
        GtlsClientInteropTest.requireGtlsclient();
        try (Running server = start(H3Options.builder().earlyData(true)))
        {
            gtlsclient(server.port(), "first");
            seen.clear();
            String second = gtlsclient(server.port(), "second", "-m", "POST", "-d", body().toString());
            assertTrue(sentIn0Rtt(second) && !second.contains(REJECTED), "expected the 0-RTT to be accepted: " + tail(second));
            assertTrue(second.contains("[:status: 425]"), "expected 425 Too Early: " + tail(second));
            assertEquals(List.of(), List.copyOf(seen));
            // Without a ticket, in 1-RTT, the same POST is served.
            Files.delete(temp.resolve("session.pem"));
            Files.delete(temp.resolve("tp.pem"));
            String third = gtlsclient(server.port(), "third", "-m", "POST", "-d", body().toString());
            assertTrue(!sentIn0Rtt(third) && third.contains("[:status: 200]"), tail(third));
            assertEquals(List.of(new Seen("POST", null, null)), List.copyOf(seen));
        }
    }

    @Test
    void aMethodOptedInIsServedIn0RttFlagged() throws Exception
    {
        GtlsClientInteropTest.requireGtlsclient();
        try (Running server = start(H3Options.builder().earlyData(true).earlyDataMethods("GET", "post")))
        {
            gtlsclient(server.port(), "first");
            seen.clear();
            String second = gtlsclient(server.port(), "second", "-m", "POST", "-d", body().toString());
            assertTrue(sentIn0Rtt(second) && !second.contains(REJECTED), "expected the 0-RTT to be accepted: " + tail(second));
            assertTrue(second.contains("[:status: 200]"), tail(second));
            assertEquals(List.of(new Seen("POST", "1", Boolean.TRUE)), List.copyOf(seen));
        }
    }

    /**
     * Two clients resuming with the same ticket and sending the same 0-RTT request: BoringSSL does not refuse a
     * ticket it has seen, so both are served, and each time the application sees the request flagged.
     */
    @Test
    void theSame0RttRequestTwiceIsFlaggedBothTimes() throws Exception
    {
        GtlsClientInteropTest.requireGtlsclient();
        try (Running server = start(H3Options.builder().earlyData(true)))
        {
            gtlsclient(server.port(), "first");
            Path ticket = Files.copy(temp.resolve("session.pem"), temp.resolve("ticket.pem"));
            Path parameters = Files.copy(temp.resolve("tp.pem"), temp.resolve("tp-saved.pem"));
            seen.clear();
            for (String run : List.of("second", "third"))
            {
                Files.copy(ticket, temp.resolve("session.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                Files.copy(parameters, temp.resolve("tp.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                String output = gtlsclient(server.port(), run);
                assertTrue(sentIn0Rtt(output) && !output.contains(REJECTED), run + ": expected the 0-RTT to be accepted: " + tail(output));
            }
            assertEquals(List.of(new Seen("GET", "1", Boolean.TRUE), new Seen("GET", "1", Boolean.TRUE)), List.copyOf(seen));
        }
    }

    /**
     * An attacker who recorded a client's first flight (ClientHello and 0-RTT request) sends it again from elsewhere:
     * the server answers the ClientHello, but the handshake cannot complete without the client's keys, and requests
     * reach the application only once it has, so the replayed request never does.
     */
    @Test
    void aReplayedFirstFlightNeverReachesTheApplication() throws Exception
    {
        GtlsClientInteropTest.requireGtlsclient();
        UdpRelay.FirstFlight recorded = new UdpRelay.FirstFlight();
        try (Running server = start(H3Options.builder().earlyData(true));
             UdpRelay relay = UdpRelay.to(server.port(), recorded.toServer(), recorded.toClient()))
        {
            gtlsclient(server.port(), "first");
            seen.clear();
            String second = gtlsclient(relay.port(), "second");
            assertTrue(sentIn0Rtt(second) && !second.contains(REJECTED), "expected the 0-RTT to be accepted: " + tail(second));
            assertEquals(List.of(new Seen("GET", "1", Boolean.TRUE)), List.copyOf(seen));
            List<byte[]> flight = recorded.datagrams();
            // The server forgets the connection (and its connection ids) once it closed.
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
            while (server.h3().statistics().getOpenQuicConnections() > 0 && System.nanoTime() < deadline)
                Thread.sleep(50);
            assertEquals(0, server.h3().statistics().getOpenQuicConnections());
            Thread.sleep(1000);
            assertTrue(!flight.isEmpty(), "relay recorded no first flight");
            int answers = replay(server.port(), flight);
            assertTrue(answers > 0, "the server did not answer the replayed ClientHello");
            assertEquals(List.of(new Seen("GET", "1", Boolean.TRUE)), List.copyOf(seen), "the replayed GET reached the application");
        }
    }

    private Path body() throws IOException
    {
        Path body = temp.resolve("body");
        if (!Files.exists(body))
            Files.write(body, new byte[20000]);
        return body;
    }

    /** @return how many datagrams the server sent back within 3 s */
    private static int replay(int port, List<byte[]> flight) throws IOException
    {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0)))
        {
            InetSocketAddress server = new InetSocketAddress("127.0.0.1", port);
            for (byte[] datagram : flight)
                socket.send(new DatagramPacket(datagram, datagram.length, server));
            socket.setSoTimeout(3000);
            int answers = 0;
            byte[] buffer = new byte[65536];
            try
            {
                while (true)
                {
                    socket.receive(new DatagramPacket(buffer, buffer.length));
                    answers++;
                }
            }
            catch (SocketTimeoutException done)
            {
                return answers;
            }
        }
    }

    private String gtlsclient(int port, String run, String... extra) throws Exception
    {
        Path download = Files.createDirectories(temp.resolve(run));
        List<String> command = new ArrayList<>(List.of(GtlsClientInteropTest.GTLSCLIENT.toString(), "--exit-on-all-streams-close",
            "--no-quic-dump", "--no-http-dump", "--session-file=" + temp.resolve("session.pem"), "--tp-file=" + temp.resolve("tp.pem"),
            "--download=" + download));
        command.addAll(List.of(extra));
        command.addAll(List.of("127.0.0.1", String.valueOf(port), "https://127.0.0.1:" + port + "/early"));
        ReliabilitySupport.ProcessResult result = ReliabilitySupport.run(60, command.toArray(String[]::new));
        assertTrue(result.finished(), "gtlsclient did not finish: " + tail(result.output()));
        assertEquals(0, result.exit(), tail(result.output()));
        Files.createDirectories(LOGS);
        Files.writeString(LOGS.resolve(testName + "-" + run + ".log"), result.output());
        System.out.println("[early-data] " + run + ": " + result.output().lines().filter(l -> l.contains("arly data") || l.contains("resum")).toList());
        return result.output();
    }

    private static boolean sentIn0Rtt(String output)
    {
        return REQUEST_IN_0RTT.matcher(output).find();
    }

    private static String tail(String output)
    {
        return output.length() > 3000 ? output.substring(output.length() - 3000) : output;
    }

    private Running start(H3Options.Builder options) throws Exception
    {
        for (int attempt = 1; ; attempt++)
        {
            Server server = new Server();
            H3Connector h3 = H3Connector.addTo(server, TestKeyStores.serverTls(), options.host("127.0.0.1").port(0).build());
            server.setHandler(servlets());
            try
            {
                server.start();
                return new Running(server, h3);
            }
            catch (UdpPortInUseException taken)
            {
                server.stop();
                if (attempt == 5)
                    throw taken;
            }
        }
    }

    private ServletContextHandler servlets()
    {
        ServletContextHandler context = new ServletContextHandler("/");
        context.addServlet(new ServletHolder(new HttpServlet()
        {
            @Override
            protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException
            {
                request.getInputStream().readAllBytes();
                Object attribute = request.getAttribute(H3Attributes.EARLY_DATA);
                String header = request.getHeader("Early-Data");
                seen.add(new Seen(request.getMethod(), header, attribute));
                response.getWriter().print("method=" + request.getMethod() + " early=" + attribute + " header=" + header);
            }
        }), "/early");
        return context;
    }

    private record Running(Server server, H3Connector h3) implements AutoCloseable
    {
        int port()
        {
            return h3.quicConnector().getLocalPort();
        }

        @Override
        public void close() throws Exception
        {
            server.stop();
        }
    }
}
