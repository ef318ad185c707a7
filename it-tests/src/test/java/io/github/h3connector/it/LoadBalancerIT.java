package io.github.h3connector.it;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.Connection;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.output.Slf4jLogConsumer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.MountableFile;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * HTTP/3 behind a real layer-4 load balancer: two Jetty nodes (h3connector module, the hello WAR, node names
 * {@code node1}/{@code node2} in {@code H3-Node}, one shared secret from an environment variable) and Debian's nginx
 * with its stream module, UDP and TCP on one port published as P on the host, configured by
 * {@code src/test/docker/nginx/nginx.conf} (the configuration docs/DEPLOYMENT.md shows). Only nginx is published; the
 * nodes advertise {@code h3=":P"}. A third node ({@code node3}, another secret) is on the network for the
 * shared-secret tests (Retry token, stateless reset), not behind nginx. The drain test starts its own two nodes and
 * nginx, since it stops one.
 */
@DockerAvailable
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class LoadBalancerIT
{
    private static final Logger LOG = LoggerFactory.getLogger(LoadBalancerIT.class);
    static final String NGINX_IMAGE = System.getProperty("it.nginx.image", "local/h3connector-it-nginx:latest");
    static final String SECRET = "it-shared-secret-0123456789abcdef";
    static final Pattern NODE = Pattern.compile("\\[h3-node: (node\\d)]");

    static Network network;
    static GenericContainer<?> node1;
    static GenericContainer<?> node2;
    static GenericContainer<?> node3;
    static GenericContainer<?> nginx;
    static int port;

    @BeforeAll
    static void start() throws Exception
    {
        JettyContainers.requireDocker();
        buildNginxImage();
        network = Network.newNetwork();
        port = JettyContainers.freePort();
        node1 = node("node1", SECRET, "UNDER_LOAD");
        node2 = node("node2", SECRET, "UNDER_LOAD");
        node3 = node("node3", "another-secret-fedcba9876543210", "UNDER_LOAD");
        node1.start();
        node2.start();
        node3.start();
        nginx = nginx(port, MountableFile.forHostPath(JettyContainers.CONTEXT.resolve("nginx/nginx.conf")));
        nginx.start();
    }

    /** nginx on the test network with {@code conf}, TCP and UDP 8443 published on {@code hostPort}. */
    static GenericContainer<?> nginx(int hostPort, org.testcontainers.images.builder.Transferable conf)
    {
        return new GenericContainer<>(NGINX_IMAGE)
            .withNetwork(network)
            .withExposedPorts(JettyContainers.PORT)
            .withCreateContainerCmdModifier(cmd ->
            {
                cmd.withExposedPorts(ExposedPort.tcp(JettyContainers.PORT), ExposedPort.udp(JettyContainers.PORT));
                cmd.getHostConfig().withPortBindings(
                    new PortBinding(Ports.Binding.bindPort(hostPort), ExposedPort.tcp(JettyContainers.PORT)),
                    new PortBinding(Ports.Binding.bindPort(hostPort), ExposedPort.udp(JettyContainers.PORT)));
            })
            .withCopyToContainer(conf, "/etc/nginx/nginx.conf")
            .waitingFor(Wait.forLogMessage(".*start worker process.*\\n", 1))
            .withLogConsumer(new Slf4jLogConsumer(LoggerFactory.getLogger("nginx." + hostPort)));
    }

    /** A node of the hello WAR image, on the test network only, HTTPS and HTTP/3 on 8443, advertising nginx's port. */
    static GenericContainer<?> node(String name, String secret, String retry, String... moreArguments)
    {
        List<String> command = new ArrayList<>(List.of("java", "-jar", "/opt/jetty-home-12.1.5/start.jar",
            "jetty.h3connector.advertisedPort=" + port,
            "jetty.h3connector.nodeName=" + name,
            "jetty.h3connector.secretEnv=H3_SECRET",
            "jetty.h3connector.retry=" + retry));
        command.addAll(List.of(moreArguments));
        return new GenericContainer<>(JettyContainers.image())
            .withNetwork(network)
            .withNetworkAliases(name)
            .withEnv("H3_SECRET", secret)
            .withCommand(command.toArray(String[]::new))
            .waitingFor(Wait.forLogMessage(".*Started oejs\\.Server@.*\\n", 1))
            .withLogConsumer(new Slf4jLogConsumer(LoggerFactory.getLogger("jetty." + name)));
    }

    static void buildNginxImage() throws IOException, InterruptedException
    {
        Path script = Path.of(System.getProperty("it.base.image.script", "src/test/docker/build-base-image.sh")).resolveSibling("build-nginx-image.sh");
        Process process = new ProcessBuilder("sh", script.toString(), NGINX_IMAGE).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(2, TimeUnit.MINUTES) || process.exitValue() != 0)
            throw new IllegalStateException("building the nginx image " + NGINX_IMAGE + " with " + script + " failed:\n" + output);
        LOG.info("{}", output.strip());
    }

    @AfterAll
    static void stop()
    {
        for (GenericContainer<?> container : new GenericContainer<?>[]{nginx, node1, node2, node3})
        {
            if (container != null)
                container.stop();
        }
        if (network != null)
            network.close();
    }

    @Test
    void http1AndHttp2ThroughTheBalancerAdvertiseTheBalancersPort() throws Exception
    {
        String advertisement = "h3=\":" + port + "\"; ma=86400";
        for (HttpClient client : new HttpClient[]{Clients.http1(), Clients.http2()})
        {
            try
            {
                ContentResponse response = client.newRequest(Clients.url(port, "/protocol")).timeout(20, TimeUnit.SECONDS).send();
                assertEquals(200, response.getStatus(), response.toString());
                assertEquals(List.of(advertisement), response.getHeaders().getValuesList("Alt-Svc"), response.getHeaders().toString());
                assertTrue(Set.of("node1", "node2").contains(response.getHeaders().get("H3-Node")), response.getHeaders().toString());
                LOG.info("{} through nginx: {} from {}", response.getVersion(), advertisement, response.getHeaders().get("H3-Node"));
            }
            finally
            {
                client.stop();
            }
        }
    }

    @Test
    void jettysHttp3ClientReachesBothNodesThroughTheBalancer() throws Exception
    {
        Set<String> nodes = new HashSet<>();
        for (int attempt = 0; attempt < 30 && nodes.size() < 2; attempt++)
        {
            // A new client per attempt: a new UDP socket, so a new source port that nginx hashes afresh.
            HttpClient client = Clients.http3();
            try
            {
                ContentResponse response = client.newRequest(Clients.url(port, "/protocol")).timeout(20, TimeUnit.SECONDS).send();
                assertEquals(200, response.getStatus(), response.toString());
                assertEquals(HttpVersion.HTTP_3, response.getVersion());
                assertTrue(response.getContentAsString().contains("\"protocol\":\"HTTP/3\""), response.getContentAsString());
                nodes.add(response.getHeaders().get("H3-Node"));
            }
            finally
            {
                client.stop();
            }
        }
        assertEquals(Set.of("node1", "node2"), nodes);
    }

    @Test
    void gtlsclientReachesBothNodesThroughTheBalancer() throws Exception
    {
        requireGtlsclient();
        Set<String> nodes = new HashSet<>();
        for (int attempt = 0; attempt < 30 && nodes.size() < 2; attempt++)
        {
            Path dir = Files.createTempDirectory("h3-it-lb");
            String output = run(List.of("/usr/bin/gtlsclient", "--no-quic-dump", "--exit-on-all-streams-close", "--download=" + dir,
                Clients.HOST, String.valueOf(port), "https://localhost:" + port + "/protocol"), 30);
            String body = Files.readString(dir.resolve("protocol"));
            assertTrue(body.contains("\"protocol\":\"HTTP/3\""), body + "\n" + output);
            Matcher node = NODE.matcher(output);
            assertTrue(node.find(), "no h3-node header in gtlsclient's output:\n" + output);
            nodes.add(node.group(1));
        }
        assertEquals(Set.of("node1", "node2"), nodes);
    }

    /**
     * 50 HTTP/3 connections, 20 requests each: every response on one connection comes from the same node, and both
     * nodes get connections. With nginx's hash of client address and port, a connection landing on one node is a fair
     * coin per connection, so fewer than 5 of 50 on either node has a probability below 10^-9.
     */
    @Test
    void eachConnectionStaysOnOneNodeAndTheLoadIsSpread() throws Exception
    {
        int connections = 50;
        int requestsPerConnection = 20;
        Map<Integer, Set<String>> nodesByConnection = new TreeMap<>();
        Map<String, Integer> connectionsByNode = new HashMap<>();
        int responses = 0;
        List<HttpClient> clients = new ArrayList<>();
        try
        {
            // 5 clients (their own UDP socket each) of 10 connections each (a UDP socket per QUIC connection).
            for (int c = 0; c < 5; c++)
                clients.add(Clients.http3());
            for (int i = 0; i < connections; i++)
            {
                HttpClient client = clients.get(i % clients.size());
                Request probe = client.newRequest(Clients.url(port, "/protocol"));
                Destination destination = client.resolveDestination(probe);
                Connection connection = destination.newConnection().get(20, TimeUnit.SECONDS);
                try
                {
                    List<CompletableFuture<ContentResponse>> futures = new ArrayList<>();
                    for (int r = 0; r < requestsPerConnection; r++)
                    {
                        Request request = client.newRequest(Clients.url(port, "/protocol")).timeout(30, TimeUnit.SECONDS);
                        futures.add(new CompletableResponseListener(request).send(connection));
                    }
                    Set<String> nodes = new HashSet<>();
                    for (CompletableFuture<ContentResponse> future : futures)
                    {
                        ContentResponse response = future.get(40, TimeUnit.SECONDS);
                        assertEquals(200, response.getStatus(), response.toString());
                        assertEquals(HttpVersion.HTTP_3, response.getVersion());
                        nodes.add(response.getHeaders().get("H3-Node"));
                        responses++;
                    }
                    nodesByConnection.put(i, nodes);
                    assertEquals(1, nodes.size(), "connection " + i + " (" + connection.getLocalSocketAddress() + ") was served by " + nodes);
                    connectionsByNode.merge(nodes.iterator().next(), 1, Integer::sum);
                }
                finally
                {
                    connection.close();
                }
            }
        }
        finally
        {
            for (HttpClient client : clients)
                client.stop();
        }
        LOG.info("{} responses over {} connections; connections per node: {}", responses, connections, connectionsByNode);
        assertEquals(connections * requestsPerConnection, responses);
        assertEquals(Set.of("node1", "node2"), connectionsByNode.keySet(), nodesByConnection.toString());
        assertTrue(connectionsByNode.values().stream().allMatch(n -> n >= 5), connectionsByNode.toString());
    }

    /**
     * A Retry token minted by node1 is accepted by node2, which shares its secret, and refused by node3, which does
     * not: a relay in the test (one UDP socket, so every node sees the same client address and port, as behind a
     * balancer) sends gtlsclient's first Initial to node1, which answers with Retry (retry=ALWAYS there), and the
     * client's second Initial, carrying node1's token, and all that follows to the second node.
     */
    @Test
    void aRetryTokenFromNode1IsAcceptedByANodeWithTheSameSecretOnly() throws Exception
    {
        requireGtlsclient();
        GenericContainer<?> retrying = node("node1r", SECRET, "ALWAYS");
        retrying.start();
        try
        {
            InetSocketAddress minter = new InetSocketAddress(JettyContainers.address(retrying, network), JettyContainers.PORT);
            String sameSecret = throughRelay(minter, new InetSocketAddress(JettyContainers.address(node2, network), JettyContainers.PORT), true);
            Matcher node = NODE.matcher(sameSecret);
            assertTrue(node.find(), sameSecret);
            assertEquals("node2", node.group(1), sameSecret);
            String otherSecret = throughRelay(minter, new InetSocketAddress(JettyContainers.address(node3, network), JettyContainers.PORT), false);
            assertFalse(NODE.matcher(otherSecret).find(), otherSecret);
        }
        finally
        {
            retrying.stop();
        }
    }

    /** @return gtlsclient's output, after checking that it fetched /protocol over HTTP/3 ({@code expectSuccess}) or did not */
    private static String throughRelay(InetSocketAddress minter, InetSocketAddress second, boolean expectSuccess) throws Exception
    {
        try (DatagramSocket clientSide = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             DatagramSocket nodeSide = new DatagramSocket(new InetSocketAddress(0)))
        {
            clientSide.setSoTimeout(100);
            nodeSide.setSoTimeout(100);
            AtomicBoolean retried = new AtomicBoolean();
            SocketAddress[] client = new SocketAddress[1];
            AtomicBoolean running = new AtomicBoolean(true);
            Thread up = new Thread(() -> pump(running, clientSide, packet ->
            {
                client[0] = packet.getSocketAddress();
                return retried.get() ? second : minter;
            }, nodeSide), "relay-up");
            Thread down = new Thread(() -> pump(running, nodeSide, packet ->
            {
                // Long header, type Retry (RFC 9000 section 17.2.5): 0xF0 in the high bits of the first byte.
                if (packet.getSocketAddress().equals(minter) && (packet.getData()[packet.getOffset()] & 0xF0) == 0xF0)
                    retried.set(true);
                return client[0];
            }, clientSide), "relay-down");
            up.start();
            down.start();
            try
            {
                Path dir = Files.createTempDirectory("h3-it-retry");
                int relayPort = clientSide.getLocalPort();
                List<String> command = List.of("/usr/bin/gtlsclient", "--exit-on-all-streams-close", "--handshake-timeout=5s", "--timeout=5s",
                    "--download=" + dir, "127.0.0.1", String.valueOf(relayPort), "https://localhost:" + relayPort + "/protocol");
                Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
                String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!process.waitFor(30, TimeUnit.SECONDS))
                {
                    process.destroyForcibly();
                    fail("gtlsclient did not finish in 30 s:\n" + output);
                }
                assertTrue(retried.get(), "node1 sent no Retry:\n" + output);
                assertTrue(output.contains("type=Retry"), output);
                Path body = dir.resolve("protocol");
                if (expectSuccess)
                {
                    assertTrue(Files.exists(body) && Files.readString(body).contains("\"protocol\":\"HTTP/3\""), output);
                    LOG.info("token from {} accepted by {}", minter, second);
                }
                else
                {
                    assertFalse(Files.exists(body), output);
                    assertFalse(output.contains("type=Handshake"), "the node with another secret answered the client's Initial:\n" + output);
                    LOG.info("token from {} refused by {} (another secret): gtlsclient gave up after its handshake timeout", minter, second);
                }
                return output;
            }
            finally
            {
                running.set(false);
                up.join(2000);
                down.join(2000);
            }
        }
    }

    private interface Route
    {
        SocketAddress to(DatagramPacket packet);
    }

    private static void pump(AtomicBoolean running, DatagramSocket from, Route route, DatagramSocket out)
    {
        byte[] buffer = new byte[65536];
        while (running.get())
        {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try
            {
                from.receive(packet);
                SocketAddress target = route.to(packet);
                if (target != null)
                    out.send(new DatagramPacket(packet.getData(), packet.getOffset(), packet.getLength(), target));
            }
            catch (SocketTimeoutException idle)
            {
                // check running again
            }
            catch (IOException x)
            {
                if (running.get())
                    throw new IllegalStateException(x);
            }
        }
    }

    /**
     * A 5 MiB HTTP/3 download through a balancer that hashes the client address only ({@code hash $remote_addr
     * consistent}, the it-tests' configuration otherwise): gtlsclient moves to a new local port one second in, with path
     * validation ({@code --change-local-addr}). docker-proxy and then nginx see a new client port, nginx opens a new
     * session to the same node, and the node sees the connection arrive from a new address; the client validates the
     * new path (PATH_CHALLENGE). The body must arrive byte-exact. ({@code --nat-rebinding}, the same move without path
     * validation, is not here: through docker-proxy gtlsclient 0.12.1 ignored the server's packets as "from unknown
     * path" and the download stopped; see docs/DEPLOYMENT.md.)
     */
    @Test
    void migrationThroughAnAddressHashingBalancerIsByteExact() throws Exception
    {
        requireGtlsclient();
        int addressPort = JettyContainers.freePort();
        String conf = Files.readString(JettyContainers.CONTEXT.resolve("nginx/nginx.conf"));
        String addressOnly = conf.replace("hash $remote_addr$remote_port consistent;\n        server node1:8443;\n        server node2:8443;\n    }\n    upstream h3_tls",
            "hash $remote_addr consistent;\n        server node1:8443;\n        server node2:8443;\n    }\n    upstream h3_tls");
        assertFalse(addressOnly.equals(conf), "nginx.conf changed: the UDP upstream's hash line was not found");
        GenericContainer<?> balancer = nginx(addressPort, org.testcontainers.images.builder.Transferable.of(addressOnly));
        balancer.start();
        try
        {
            for (List<String> change : List.of(List.of("--change-local-addr=1s")))
            {
                Path dir = Files.createTempDirectory("h3-it-migration");
                List<String> command = new ArrayList<>(List.of("/usr/bin/gtlsclient", "--no-quic-dump", "--exit-on-all-streams-close", "--timeout=10s"));
                command.addAll(change);
                command.addAll(List.of("--download=" + dir, Clients.HOST, String.valueOf(addressPort),
                    "https://localhost:" + addressPort + "/slow/stream?chunks=" + MIGRATION_CHUNKS + "&delayMs=1"));
                String output = run(command, 90);
                Path body = dir.resolve("stream?chunks=" + MIGRATION_CHUNKS + "&delayMs=1");
                if (!Files.exists(body))
                {
                    try (var files = Files.list(dir))
                    {
                        body = files.findFirst().orElseThrow(() -> new AssertionError("no download in " + dir + ":\n" + output));
                    }
                }
                byte[] bytes = Files.readAllBytes(body);
                assertEquals(MIGRATION_CHUNKS * 1024, bytes.length, change + ": bytes of the download\n" + tail(output));
                for (int i = 0; i < bytes.length; i++)
                {
                    if (bytes[i] != (byte)('a' + (i / 1024) % 26))
                        fail(change + ": byte " + i + " is " + bytes[i]);
                }
                assertTrue(output.contains("Local address is now"), "gtlsclient did not change its local address:\n" + tail(output));
                assertTrue(output.contains("PATH_CHALLENGE"), "no path validation:\n" + tail(output));
                Matcher node = NODE.matcher(output);
                assertTrue(node.find(), output);
                LOG.info("{}: 5 MiB byte-exact from {} through nginx hashing $remote_addr; gtlsclient: {}", change, node.group(1),
                    output.lines().filter(line -> line.matches("(?i).*(migrat|local addr|path|rebind).*")).limit(10).toList());
            }
        }
        finally
        {
            balancer.stop();
        }
    }

    /**
     * A packet for a connection node2 never saw gets a valid stateless reset. A relay in the test sends the client's
     * first address to node1 and any other to the second node, as a balancer hashing the client's port does (one UDP
     * socket towards the nodes, so they see one balancer address). gtlsclient moves to a new local port one second after
     * the handshake, with the connection id node1 issued, and sends its request a second later: it lands on the second
     * node. node2 (same secret) answers with the reset token node1 announced for that id, and the client drops the
     * connection at once; node3 (another secret) answers with a token the client does not know, and the client waits
     * out its idle timeout.
     */
    @Test
    void aPacketForAConnectionNode2NeverSawGetsAValidStatelessReset() throws Exception
    {
        requireGtlsclient();
        InetSocketAddress first = new InetSocketAddress(JettyContainers.address(node1, network), JettyContainers.PORT);
        String same = moveOnto(first, new InetSocketAddress(JettyContainers.address(node2, network), JettyContainers.PORT));
        Matcher reset = STATELESS_RESET.matcher(same);
        assertTrue(reset.find(), "node2 sent no stateless reset gtlsclient accepted:\n" + tail(same));
        Matcher announced = ANNOUNCED_TOKEN.matcher(same);
        List<String> tokens = new ArrayList<>();
        while (announced.find())
            tokens.add(announced.group(1));
        assertTrue(tokens.contains(reset.group(1)), "reset token " + reset.group(1) + " is none node1 announced: " + tokens);
        assertTrue(same.contains("ngtcp2_conn_read_pkt: ERR_DRAINING") && !same.contains("ERR_IDLE_CLOSE"), "the client did not close on the reset:\n" + tail(same));
        String other = moveOnto(first, new InetSocketAddress(JettyContainers.address(node3, network), JettyContainers.PORT));
        assertFalse(STATELESS_RESET.matcher(other).find(), "a reset from the node with another secret was accepted:\n" + tail(other));
        assertTrue(other.contains("could not decrypt packet payload") && other.contains("ERR_IDLE_CLOSE"),
            "expected node3's reset to be ignored and the client to time out:\n" + tail(other));
        LOG.info("stateless reset: node2 (same secret) reset node1's connection with token {}; node3's (another secret) was ignored", reset.group(1));
    }

    /** ngtcp2's log of an accepted stateless reset, and of the tokens the server announced in NEW_CONNECTION_ID. */
    static final Pattern STATELESS_RESET = Pattern.compile("pkt rx 0 SR token=0x([0-9a-f]{32})");
    static final Pattern ANNOUNCED_TOKEN = Pattern.compile("frm rx \\d+ 1RTT NEW_CONNECTION_ID\\(0x18\\) .*stateless_reset_token=0x([0-9a-f]{32})");

    private static String moveOnto(InetSocketAddress first, InetSocketAddress second) throws Exception
    {
        try (DatagramSocket clientSide = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             DatagramSocket nodeSide = new DatagramSocket(new InetSocketAddress(0)))
        {
            clientSide.setSoTimeout(100);
            nodeSide.setSoTimeout(100);
            java.util.concurrent.atomic.AtomicReferenceArray<SocketAddress> clients = new java.util.concurrent.atomic.AtomicReferenceArray<>(2);
            AtomicBoolean running = new AtomicBoolean(true);
            Thread up = new Thread(() -> pump(running, clientSide, packet ->
            {
                clients.compareAndSet(0, null, packet.getSocketAddress());
                if (clients.get(0).equals(packet.getSocketAddress()))
                    return first;
                clients.set(1, packet.getSocketAddress());
                return second;
            }, nodeSide), "relay-up");
            Thread down = new Thread(() -> pump(running, nodeSide, packet -> clients.get(packet.getSocketAddress().equals(first) ? 0 : 1), clientSide), "relay-down");
            up.start();
            down.start();
            try
            {
                Path dir = Files.createTempDirectory("h3-it-reset");
                int relayPort = clientSide.getLocalPort();
                List<String> command = List.of("/usr/bin/gtlsclient", "--no-quic-dump", "--no-http-dump", "--exit-on-all-streams-close",
                    "--timeout=5s", "--change-local-addr=1s", "--delay-stream=2s", "--download=" + dir, "127.0.0.1", String.valueOf(relayPort),
                    "https://localhost:" + relayPort + "/protocol");
                Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
                String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!process.waitFor(30, TimeUnit.SECONDS))
                {
                    process.destroyForcibly();
                    fail("gtlsclient did not finish in 30 s:\n" + tail(output));
                }
                assertTrue(clients.get(1) != null, "the client never moved to a new port:\n" + tail(output));
                // gtlsclient creates the download file when it sends the request; it stays empty.
                Path body = dir.resolve("protocol");
                assertFalse(Files.exists(body) && Files.size(body) > 0, "the request was answered:\n" + tail(output));
                return output;
            }
            finally
            {
                running.set(false);
                up.join(2000);
                down.join(2000);
            }
        }
    }

    /**
     * Issue test 4: {@code docker stop} (graceful) of one node behind nginx while HTTP/3 downloads run on both. Its
     * in-flight responses complete; a keep-alive HTTPS connection to it gets {@code Alt-Svc: clear} during the drain;
     * every new HTTPS connection is served (nginx retries a refused TCP connection on the other node); a new HTTP/3
     * connection is served by the other node or, when nginx hashes it to the draining node, gets no answer (nginx
     * stream has no health check for UDP and the node drops new Initials); once restarted the node takes traffic again.
     * Its own pair of nodes and nginx, so the other tests keep theirs.
     */
    @Test
    void drainingOneNodeBehindNginx() throws Exception
    {
        int lbPort = JettyContainers.freePort();
        GenericContainer<?> d1 = drainNode("drain1", lbPort);
        GenericContainer<?> d2 = drainNode("drain2", lbPort);
        GenericContainer<?> lb = null;
        List<HttpClient> clients = new ArrayList<>();
        try
        {
            d1.start();
            d2.start();
            String conf = Files.readString(JettyContainers.CONTEXT.resolve("nginx/nginx.conf"))
                .replace("server node1:8443;", "server drain1:8443;").replace("server node2:8443;", "server drain2:8443;");
            lb = nginx(lbPort, org.testcontainers.images.builder.Transferable.of(conf));
            lb.start();

            // Slow HTTP/3 downloads (10 s each), each on its own client and so its own UDP port, until both nodes serve one.
            Map<String, List<CompletableFuture<ContentResponse>>> inFlight = new TreeMap<>();
            for (int i = 0; i < 16 && inFlight.size() < 2; i++)
            {
                HttpClient h3 = Clients.http3();
                clients.add(h3);
                CompletableFuture<String> node = new CompletableFuture<>();
                Request slow = h3.newRequest(Clients.url(lbPort, "/slow/stream?chunks=" + DRAIN_CHUNKS + "&delayMs=500"))
                    .timeout(60, TimeUnit.SECONDS)
                    .onResponseHeaders(response -> node.complete(response.getHeaders().get("H3-Node")));
                CompletableFuture<ContentResponse> response = new CompletableResponseListener(slow, 1 << 20).send();
                inFlight.computeIfAbsent(node.get(20, TimeUnit.SECONDS), k -> new ArrayList<>()).add(response);
            }
            assertEquals(Set.of("drain1", "drain2"), inFlight.keySet(), "HTTP/3 downloads did not reach both nodes");

            // A keep-alive HTTPS connection through nginx that landed on drain1.
            RawHttp1 toDrain1 = null;
            for (int i = 0; i < 32 && toDrain1 == null; i++)
            {
                RawHttp1 connection = new RawHttp1(Clients.HOST, lbPort);
                if ("drain1".equals(connection.get("/protocol").values("H3-Node").stream().findFirst().orElse(null)))
                    toDrain1 = connection;
                else
                    connection.close();
            }
            assertTrue(toDrain1 != null, "no HTTPS connection landed on drain1");
            // The readiness path of the module (jetty.h3connector.readinessPath) in the distribution.
            RawHttp1.Response ready = toDrain1.get("/h3-ready");
            assertEquals(200, ready.status(), ready.toString());
            assertEquals("HTTP/3 up\n", ready.body(), ready.toString());

            long stopAt = System.nanoTime();
            CompletableFuture<Void> dockerStop = CompletableFuture.runAsync(() ->
                DockerClientFactory.instance().client().stopContainerCmd(d1.getContainerId()).withTimeout(40).exec());

            // drain1's responses say clear during the drain (a request every 20 ms: Jetty lowers idle timeouts to 1 s).
            List<String> onDrain1 = new ArrayList<>();
            boolean clear = false;
            while (!clear && System.nanoTime() - stopAt < TimeUnit.SECONDS.toNanos(10))
            {
                RawHttp1.Response response = toDrain1.get("/protocol");
                onDrain1.add(response.eof() ? "EOF" : response.status() + " " + response.values("Alt-Svc"));
                if (response.eof())
                    break;
                clear = response.values("Alt-Svc").equals(List.of("clear"));
                Thread.sleep(20);
            }
            toDrain1.close();
            assertTrue(clear, "drain1 sent no Alt-Svc: clear during the drain: " + onDrain1);

            // New HTTPS connections during the drain: all served, by drain2.
            HttpClient https = Clients.http1();
            clients.add(https);
            Map<String, Integer> httpsServedBy = new TreeMap<>();
            for (int i = 0; i < 20; i++)
            {
                ContentResponse response = https.newRequest(Clients.url(lbPort, "/protocol")).headers(h -> h.put("Connection", "close"))
                    .timeout(10, TimeUnit.SECONDS).send();
                assertEquals(200, response.getStatus(), "new HTTPS connection " + i + " during the drain");
                httpsServedBy.merge(String.valueOf(response.getHeaders().get("H3-Node")), 1, Integer::sum);
            }
            assertEquals(Set.of("drain2"), httpsServedBy.keySet(), "new HTTPS connections during the drain: " + httpsServedBy);

            // New HTTP/3 connections during the drain: drain2 answers, or nothing does (hashed to drain1).
            Map<String, Integer> h3Outcomes = new TreeMap<>();
            for (int i = 0; i < 6; i++)
            {
                HttpClient h3 = Clients.http3();
                clients.add(h3);
                try
                {
                    ContentResponse response = h3.newRequest(Clients.url(lbPort, "/protocol")).timeout(3, TimeUnit.SECONDS).send();
                    assertEquals(200, response.getStatus());
                    h3Outcomes.merge(String.valueOf(response.getHeaders().get("H3-Node")), 1, Integer::sum);
                }
                catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException x)
                {
                    assertTrue(x instanceof java.util.concurrent.TimeoutException || x.getCause() instanceof java.util.concurrent.TimeoutException,
                        "a new HTTP/3 connection during the drain failed otherwise than unanswered: " + x);
                    h3Outcomes.merge("unanswered", 1, Integer::sum);
                }
                h3.stop();
            }
            assertFalse(h3Outcomes.containsKey("drain1"), "drain1 took a new HTTP/3 connection while draining: " + h3Outcomes);

            // The in-flight downloads on both nodes complete in full.
            for (Map.Entry<String, List<CompletableFuture<ContentResponse>>> node : inFlight.entrySet())
            {
                for (CompletableFuture<ContentResponse> future : node.getValue())
                {
                    ContentResponse response = future.get(60, TimeUnit.SECONDS);
                    assertEquals(200, response.getStatus(), node.getKey());
                    assertEquals(DRAIN_CHUNKS * 1024, response.getContent().length, "bytes of the in-flight download on " + node.getKey());
                }
            }
            dockerStop.get(60, TimeUnit.SECONDS);
            LOG.info("drain of drain1 behind nginx: Alt-Svc on its keep-alive connection {}; new HTTPS connections {}; new HTTP/3 connections {}; in-flight {} completed",
                onDrain1, httpsServedBy, h3Outcomes, inFlight.keySet());

            // Restarted, drain1 takes new connections again.
            DockerClientFactory.instance().client().startContainerCmd(d1.getContainerId()).exec();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (d1.getLogs().split("Started oejs\\.Server@", -1).length < 3 && System.nanoTime() < deadline)
                Thread.sleep(200);
            Map<String, Integer> after = new TreeMap<>();
            for (int i = 0; i < 24 && !after.containsKey("drain1"); i++)
            {
                ContentResponse response = https.newRequest(Clients.url(lbPort, "/protocol")).headers(h -> h.put("Connection", "close"))
                    .timeout(10, TimeUnit.SECONDS).send();
                assertEquals(200, response.getStatus());
                after.merge(String.valueOf(response.getHeaders().get("H3-Node")), 1, Integer::sum);
            }
            assertTrue(after.containsKey("drain1"), "the restarted drain1 took no new connection: " + after);
        }
        finally
        {
            for (HttpClient client : clients)
                client.stop();
            for (GenericContainer<?> container : new GenericContainer<?>[]{lb, d1, d2})
            {
                if (container != null)
                    container.stop();
            }
        }
    }

    static final int DRAIN_CHUNKS = 20;

    private static GenericContainer<?> drainNode(String name, int lbPort)
    {
        return node(name, SECRET, "UNDER_LOAD")
            .withCommand("java", "-jar", "/opt/jetty-home-12.1.5/start.jar", "jetty.h3connector.advertisedPort=" + lbPort,
                "jetty.h3connector.nodeName=" + name, "jetty.h3connector.secretEnv=H3_SECRET", "jetty.server.stopTimeout=20000",
                "jetty.h3connector.readinessPath=/h3-ready");
    }

    static final int MIGRATION_CHUNKS = 5 * 1024;

    private static String tail(String output)
    {
        return output.length() < 4000 ? output : output.substring(output.length() - 4000);
    }

    /**
     * The preStop hook of docs/kubernetes/deployment.yaml: {@code start.jar --stop} through the local stop port starts
     * Jetty's graceful stop while an HTTP/3 response is in flight; the response completes in full and Jetty exits 0.
     * The hook's own exit status is not checked: the container ends, and the exec with it, when Jetty exits.
     */
    @Test
    void theStopPortOfThePreStopHookDrainsAnInFlightHttp3Response() throws Exception
    {
        GenericContainer<?> stoppable = node("node4", SECRET, "UNDER_LOAD", "STOP.HOST=127.0.0.1", "STOP.PORT=8079", "STOP.KEY=it-stop-key");
        stoppable.start();
        HttpClient client = Clients.http3();
        try
        {
            int chunks = 16;
            java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
            Request slow = client.newRequest("https://" + JettyContainers.address(stoppable, network) + ":" + JettyContainers.PORT +
                    "/slow/stream?chunks=" + chunks + "&delayMs=300")
                .timeout(60, TimeUnit.SECONDS)
                .onResponseContent((response, content) -> started.countDown());
            CompletableFuture<ContentResponse> download = new CompletableResponseListener(slow, 1 << 20).send();
            assertTrue(started.await(20, TimeUnit.SECONDS), "the slow HTTP/3 response did not start");
            // As the kubelet runs the hook: docker exec; its exit status is not checked (it ends with the container).
            Process preStop = new ProcessBuilder("docker", "exec", stoppable.getContainerId(), "sh", "-c",
                "java -jar /opt/jetty-home-12.1.5/start.jar --stop STOP.HOST=127.0.0.1 STOP.PORT=8079 STOP.KEY=it-stop-key STOP.WAIT=35")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            ContentResponse response = download.get(60, TimeUnit.SECONDS);
            assertEquals(200, response.getStatus());
            assertEquals(HttpVersion.HTTP_3, response.getVersion());
            assertEquals(chunks * 1024, response.getContent().length, "bytes of the in-flight response");
            assertTrue(preStop.waitFor(60, TimeUnit.SECONDS), "start.jar --stop did not return");
            String id = stoppable.getContainerId();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
            var docker = org.testcontainers.DockerClientFactory.instance().client();
            while (Boolean.TRUE.equals(docker.inspectContainerCmd(id).exec().getState().getRunning()) && System.nanoTime() < deadline)
                Thread.sleep(200);
            var state = docker.inspectContainerCmd(id).exec().getState();
            assertFalse(Boolean.TRUE.equals(state.getRunning()), "Jetty still runs 40 s after start.jar --stop");
            assertEquals(0L, state.getExitCodeLong(), "Jetty's exit code");
            assertTrue(stoppable.getLogs().contains("Performing 'stop' command"), "the stop port was not used:\n" + stoppable.getLogs());
            LOG.info("start.jar --stop: the in-flight HTTP/3 response completed ({} bytes), Jetty exited 0", response.getContent().length);
        }
        finally
        {
            client.stop();
            stoppable.stop();
        }
    }

    static void requireGtlsclient()
    {
        JettyContainers.requireTool(Clients.hasGtlsclient(), "/usr/bin/gtlsclient is missing", "apt-get install ngtcp2-client");
    }

    private static String run(List<String> command, int seconds) throws IOException, InterruptedException
    {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(seconds, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new IOException(command.get(0) + " did not finish in " + seconds + " s: " + output);
        }
        assertEquals(0, process.exitValue(), output);
        return output;
    }
}
