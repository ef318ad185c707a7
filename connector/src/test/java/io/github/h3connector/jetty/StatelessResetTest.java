package io.github.h3connector.jetty;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node answers a packet for a connection it does not have with a stateless reset (RFC 9000 section 10.3). ngtcp2's
 * {@code gtlsclient} connects to server A through a UDP relay that, like a balancer hashing on the client's address,
 * sends any other client address to server B. One second after the handshake the client moves to a new local port
 * (and, as a migrating client does, to the connection id A issued in NEW_CONNECTION_ID); a second later it sends its
 * request, which lands on B, a node that never saw the connection. With the same secret B's reset carries the token A
 * announced for that id and the client drops the connection at once; with another secret the token is wrong, the
 * client ignores the reset and waits out its idle timeout.
 */
class StatelessResetTest
{
    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OTHER_SECRET = "fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.US_ASCII);
    private static final String IDLE_TIMEOUT = "5s";
    private static final Pattern RESET = Pattern.compile("pkt rx 0 SR token=0x([0-9a-f]{32})");
    private static final Pattern ANNOUNCED = Pattern.compile("frm rx \\d+ 1RTT NEW_CONNECTION_ID\\(0x18\\) .*stateless_reset_token=0x([0-9a-f]{32})");
    private static final Path LOGS = Path.of("target", "stateless-reset");

    @TempDir
    Path temp;

    @Test
    void aNodeWithTheSameSecretResetsAConnectionItNeverSaw() throws Exception
    {
        String output = moveMidDownload(SECRET);
        // ngtcp2 logs a stateless reset it accepted as "pkt rx 0 SR token=...", then drops the connection at once.
        Matcher reset = RESET.matcher(output);
        assertTrue(reset.find(), "expected gtlsclient to accept a stateless reset: " + tail(output));
        Matcher announced = ANNOUNCED.matcher(output);
        List<String> tokens = new ArrayList<>();
        while (announced.find())
            tokens.add(announced.group(1));
        assertTrue(tokens.contains(reset.group(1)), "reset token " + reset.group(1) + " is none that server A announced: " + tokens);
        assertTrue(output.contains("ngtcp2_conn_read_pkt: ERR_DRAINING"), "the client did not close on the reset: " + tail(output));
        assertFalse(output.contains("ERR_IDLE_CLOSE"), "the client waited out its idle timeout: " + tail(output));
    }

    @Test
    void aNodeWithAnotherSecretCannotResetIt() throws Exception
    {
        String output = moveMidDownload(OTHER_SECRET);
        assertFalse(RESET.matcher(output).find(), "a reset with another node's token was accepted: " + tail(output));
        assertTrue(output.contains("could not decrypt packet payload"), "the client did not see B's resets: " + tail(output));
        assertTrue(output.contains("ERR_IDLE_CLOSE"), "expected the client to wait out its idle timeout: " + tail(output));
    }

    /**
     * The same move without the relay: the client's packets on its new port and connection id reach the node that owns
     * the connection, which must not reset it (the client would accept the reset: it knows the token for that id).
     */
    @Test
    void theNodeThatOwnsTheConnectionDoesNotResetIt() throws Exception
    {
        GtlsClientInteropTest.requireGtlsclient();
        try (TestServer server = ReliabilitySupport.started(H3Options.builder().secret(SECRET)))
        {
            Path directory = Files.createDirectories(temp.resolve("owned"));
            int port = server.udpPort();
            ReliabilitySupport.ProcessResult result = ReliabilitySupport.run(60, GtlsClientInteropTest.GTLSCLIENT.toString(),
                "--no-quic-dump", "--no-http-dump", "--exit-on-all-streams-close", "--timeout=" + IDLE_TIMEOUT, "--change-local-addr=1s", "--delay-stream=2s",
                "--download=" + directory, "127.0.0.1", String.valueOf(port), "https://127.0.0.1:" + port + "/bytes?mib=1&seed=3");
            String output = result.output();
            assertTrue(result.finished(), "gtlsclient did not finish: " + tail(output));
            assertTrue(output.contains("Local address is now"), "the client did not move: " + tail(output));
            assertFalse(RESET.matcher(output).find(), "the owning node reset its own connection: " + tail(output));
            Path body = directory.resolve("bytes?mib=1&seed=3");
            assertTrue(Files.exists(body), "no download: " + tail(output));
            assertEquals(ReliabilitySupport.content(null, 1 << 20, 3), ReliabilitySupport.sha256(body), "download SHA-256");
        }
    }

    /** A short-header packet too small for a smaller reset gets none; a larger one gets a smaller reset. */
    @Test
    void aResetIsSmallerThanThePacketThatTriggeredIt() throws Exception
    {
        try (TestServer server = TestServer.started(H3Options.builder().secret(SECRET));
             DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0)))
        {
            socket.setSoTimeout(2000);
            InetSocketAddress target = new InetSocketAddress("127.0.0.1", server.udpPort());
            byte[] small = shortHeader(21);
            socket.send(new DatagramPacket(small, small.length, target));
            assertEquals(-1, receive(socket), "a 21-byte packet was answered");
            for (int size : new int[]{22, 30, 1200})
            {
                byte[] packet = shortHeader(size);
                socket.send(new DatagramPacket(packet, packet.length, target));
                int reset = receive(socket);
                assertTrue(reset >= 21 && reset < size, size + "-byte packet answered with " + reset + " bytes");
            }
        }
    }

    /** A flood of packets for unknown connections gets at most 100 resets a second (plus the burst of 100). */
    @Test
    void resetsAreRateLimited() throws Exception
    {
        try (TestServer server = TestServer.started(H3Options.builder().secret(SECRET));
             DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0)))
        {
            socket.setReceiveBufferSize(1 << 20);
            socket.setSoTimeout(1000);
            InetSocketAddress target = new InetSocketAddress("127.0.0.1", server.udpPort());
            int sent = 1000;
            long start = System.nanoTime();
            for (int i = 0; i < sent; i++)
            {
                byte[] packet = shortHeader(100 + i % 100);
                socket.send(new DatagramPacket(packet, packet.length, target));
            }
            int resets = 0;
            while (receive(socket) > 0)
                resets++;
            // The time until the last reset could have been sent bounds the refill.
            double seconds = (System.nanoTime() - start) / 1e9;
            assertTrue(resets > 0, "no reset at all");
            assertTrue(resets <= 100 + 100 * seconds + 1, resets + " resets for " + sent + " packets in " + seconds + " s");
        }
    }

    private static byte[] shortHeader(int size)
    {
        byte[] packet = new byte[size];
        new java.util.Random(size).nextBytes(packet);
        packet[0] = (byte)(0x40 | (packet[0] & 0x3F));
        return packet;
    }

    /** @return the size of the datagram received, or -1 after the socket's timeout */
    private static int receive(DatagramSocket socket) throws IOException
    {
        byte[] buffer = new byte[2048];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        try
        {
            socket.receive(packet);
            return packet.getLength();
        }
        catch (SocketTimeoutException none)
        {
            return -1;
        }
    }

    private String moveMidDownload(byte[] secretOfB) throws Exception
    {
        GtlsClientInteropTest.requireGtlsclient();
        try (TestServer a = ReliabilitySupport.started(H3Options.builder().secret(SECRET));
             TestServer b = ReliabilitySupport.started(H3Options.builder().secret(secretOfB));
             UdpRelay relay = UdpRelay.balancing(a.udpPort(), b.udpPort()))
        {
            Path directory = Files.createDirectories(temp.resolve("download"));
            int port = relay.port();
            ReliabilitySupport.ProcessResult result = ReliabilitySupport.run(60, GtlsClientInteropTest.GTLSCLIENT.toString(),
                "--no-quic-dump", "--no-http-dump", "--exit-on-all-streams-close", "--timeout=" + IDLE_TIMEOUT, "--change-local-addr=1s", "--delay-stream=2s",
                "--download=" + directory, "127.0.0.1", String.valueOf(port), "https://127.0.0.1:" + port + "/bytes?mib=1&seed=1");
            Files.createDirectories(LOGS);
            Files.writeString(LOGS.resolve(Arrays.equals(secretOfB, SECRET) ? "same-secret.log" : "other-secret.log"), result.output());
            assertTrue(result.finished(), "gtlsclient did not finish: " + tail(result.output()));
            assertTrue(relay.sentTo(1) > 0, "the relay never moved the client to B");
            assertTrue(relay.receivedFrom(1) > 0, "B never answered");
            return result.output();
        }
    }

    private static String tail(String output)
    {
        return output.length() > 3000 ? output.substring(output.length() - 3000) : output;
    }
}
