package io.github.h3connector.it;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.output.Slf4jLogConsumer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.images.builder.Transferable;

/**
 * The Jetty image of the it-tests and containers made from it.
 *
 * <p>Ports: the container serves HTTPS and HTTP/3 on 8443 (TCP and UDP). The test publishes both on ONE free host
 * port number P (TCP P and UDP P) and starts Jetty with {@code jetty.h3connector.advertisedPort=P}: the Alt-Svc the
 * client gets over TCP then names the UDP port it can really reach, as behind any port-mapping NAT.
 */
final class JettyContainers
{
    static final int PORT = 8443;
    static final String BASE_IMAGE = System.getProperty("it.base.image", "local/jre17:latest");
    /** How to get a reachable Docker on Debian, for the one-line skip or failure message. */
    static final String DOCKER_FIX = "apt-get install docker.io and start dockerd";
    static final Path CONTEXT = Path.of(System.getProperty("it.docker.context", "target/docker"));
    private static ImageFromDockerfile image;

    private JettyContainers()
    {
    }

    static boolean isCi()
    {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /**
     * The external-tool rule: with CI=true a missing tool fails the test, otherwise the test is skipped, both with one
     * line "{@code missing}: {@code fix} (or run sudo ./test.sh)".
     */
    static void requireTool(boolean present, String missing, String fix)
    {
        if (present)
            return;
        String message = missing + ": " + fix + " (or run sudo ./test.sh)";
        if (isCi())
            org.junit.jupiter.api.Assertions.fail("CI=true but " + message);
        org.junit.jupiter.api.Assumptions.assumeTrue(false, message);
    }

    /** Requires Docker ({@link #requireTool}); then builds the base image unless it exists. */
    static synchronized void requireDocker() throws IOException, InterruptedException
    {
        requireTool(DockerClientFactory.instance().isDockerAvailable(), "Docker is not reachable", DOCKER_FIX);
        buildBaseImage();
    }

    private static boolean baseImageChecked;

    private static void buildBaseImage() throws IOException, InterruptedException
    {
        if (baseImageChecked)
            return;
        String script = System.getProperty("it.base.image.script", "src/test/docker/build-base-image.sh");
        long start = System.nanoTime();
        Process process = new ProcessBuilder("sh", script, BASE_IMAGE).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0)
            throw new IllegalStateException("building the base image " + BASE_IMAGE + " with " + script + " failed:\n" + output);
        LoggerFactory.getLogger(JettyContainers.class).info("{} ({} ms)", output.strip().lines().reduce((a, b) -> b).orElse(""),
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        baseImageChecked = true;
    }

    static synchronized ImageFromDockerfile image()
    {
        if (image == null)
        {
            if (!Files.isRegularFile(CONTEXT.resolve("Dockerfile")))
                throw new IllegalStateException("no Docker build context in " + CONTEXT + ": run the it-tests with mvn verify");
            image = new ImageFromDockerfile(System.getProperty("it.jetty.image", "local/h3connector-it-jetty:latest"), false)
                .withFileFromPath(".", CONTEXT)
                .withBuildArg("BASE_IMAGE", BASE_IMAGE);
        }
        return image;
    }

    /**
     * @param hostPort the host port number for TCP and (if {@code publishUdp}) UDP
     * @param publishUdp false to publish TCP only: UDP blocked, as by a firewall
     */
    static GenericContainer<?> jetty(String name, int hostPort, boolean publishUdp)
    {
        GenericContainer<?> container = new GenericContainer<>(image());
        return container
            .withExposedPorts(PORT)
            .withCreateContainerCmdModifier(cmd ->
            {
                List<ExposedPort> exposed = new ArrayList<>(Arrays.asList(cmd.getExposedPorts()));
                List<PortBinding> bindings = new ArrayList<>();
                bindings.add(new PortBinding(Ports.Binding.bindPort(hostPort), ExposedPort.tcp(PORT)));
                if (publishUdp)
                {
                    exposed.add(ExposedPort.udp(PORT));
                    bindings.add(new PortBinding(Ports.Binding.bindPort(hostPort), ExposedPort.udp(PORT)));
                }
                cmd.withExposedPorts(exposed);
                cmd.getHostConfig().withPortBindings(bindings);
            })
            .withCommand("java", "-jar", "/opt/jetty-home-12.1.5/start.jar", "jetty.h3connector.advertisedPort=" + hostPort)
            .waitingFor(Wait.forLogMessage(".*Started oejs\\.Server@.*\\n", 1))
            .withLogConsumer(new Slf4jLogConsumer(LoggerFactory.getLogger("jetty." + name)));
    }

    /**
     * Scenario 3, front: h3connector plus Jetty's {@code ProxyServlet.Transparent} (module {@code ee10-proxy}) that
     * forwards to {@code http://back:8080} over HTTP/1.1; TCP and UDP 8443 published on {@code hostPort}.
     */
    static GenericContainer<?> front(int hostPort, Network network)
    {
        return jetty("front", hostPort, true)
            .withNetwork(network)
            .withNetworkAliases("front")
            .withWorkingDirectory("/var/lib/jetty-front")
            .withCommand("java", "-jar", "/opt/jetty-home-12.1.5/start.jar", "jetty.base=/var/lib/jetty-front",
                "jetty.h3connector.advertisedPort=" + hostPort);
    }

    /**
     * Scenario 3, back: plain Jetty (no h3connector), HTTP on 8080 (published on a random port), the behind-proxy WAR
     * at / with {@code trusted-proxies} set to {@code trustedProxies} through an override descriptor.
     */
    static GenericContainer<?> back(Network network, String trustedProxies)
    {
        String override = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- Written by the it-tests: trust the front container only; the front advertises its own HTTP/3. -->
            <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
              <filter>
                <filter-name>AltSvcFilter</filter-name>
                <filter-class>io.github.h3connector.servlet.AltSvcFilter</filter-class>
                <init-param>
                  <param-name>trusted-proxies</param-name>
                  <param-value>%s</param-value>
                </init-param>
                <init-param>
                  <param-name>advertise</param-name>
                  <param-value>never</param-value>
                </init-param>
              </filter>
            </web-app>
            """.formatted(trustedProxies);
        return new GenericContainer<>(image())
            .withNetwork(network)
            .withNetworkAliases("back")
            .withExposedPorts(8080)
            .withWorkingDirectory("/var/lib/jetty-back")
            .withCopyToContainer(Transferable.of(override), "/var/lib/jetty-back/etc/trusted-proxies-override-web.xml")
            .withCommand("java", "-jar", "/opt/jetty-home-12.1.5/start.jar", "jetty.base=/var/lib/jetty-back")
            .waitingFor(Wait.forLogMessage(".*Started oejs\\.Server@.*\\n", 1))
            .withLogConsumer(new Slf4jLogConsumer(LoggerFactory.getLogger("jetty.back")));
    }

    /** @return the container's IP address on {@code network} */
    static String address(GenericContainer<?> container, Network network)
    {
        return container.getContainerInfo().getNetworkSettings().getNetworks().values().stream()
            .filter(n -> network.getId().equals(n.getNetworkID()))
            .map(ContainerNetwork::getIpAddress)
            .findFirst().orElseThrow(() -> new IllegalStateException("the container is not on network " + network.getId()));
    }

    /** A port number free for both TCP and UDP on the host's loopback and wildcard addresses. */
    static int freePort() throws IOException
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            int port;
            try (ServerSocket tcp = new ServerSocket())
            {
                tcp.setReuseAddress(false);
                tcp.bind(new InetSocketAddress(0));
                port = tcp.getLocalPort();
            }
            try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(port)))
            {
                return port;
            }
            catch (IOException taken)
            {
                // the UDP port is in use: try another
            }
        }
        throw new IOException("no port free for both TCP and UDP");
    }
}
