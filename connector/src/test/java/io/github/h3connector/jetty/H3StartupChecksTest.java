package io.github.h3connector.jetty;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each requirement that start checks: the exception type, its one-line message, and no port left bound afterwards.
 */
@Timeout(60)
class H3StartupChecksTest
{
    private final List<Server> servers = new ArrayList<>();

    @TempDir
    Path temp;

    @AfterEach
    void stopAll() throws Exception
    {
        for (Server server : servers)
            server.stop();
    }

    private Server server()
    {
        Server server = new Server();
        servers.add(server);
        return server;
    }

    private static int freePort() throws IOException
    {
        // A port free on both TCP and UDP.
        for (int attempt = 0; attempt < 20; attempt++)
        {
            try (DatagramChannel udp = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0)))
            {
                int port = ((InetSocketAddress)udp.getLocalAddress()).getPort();
                try (ServerSocket tcp = new ServerSocket(port, 1, java.net.InetAddress.getByName("127.0.0.1")))
                {
                    return port;
                }
                catch (IOException taken)
                {
                    // try another
                }
            }
        }
        throw new IOException("no port free on both TCP and UDP");
    }

    interface PortCase
    {
        void run(int port) throws Exception;
    }

    /**
     * Runs {@code body} with a port free on TCP and UDP when probed. Another process may take it before the body binds
     * or checks it (a BindException): then again with another port, up to 5 times. A port that this server really
     * left bound fails every attempt, each on a new port.
     */
    private void onFreePorts(PortCase body) throws Exception
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                body.run(freePort());
                return;
            }
            catch (BindException taken)
            {
                if (attempt == 5)
                    throw taken;
                stopAll();
                servers.clear();
            }
        }
    }

    /** Start must fail with {@code type}, with a message of one line, and leave both port numbers free. */
    private <T extends H3StartupException> T assertStartFails(Class<T> type, Server server, int port) throws Exception
    {
        T failure = assertThrows(type, server::start);
        assertFalse(failure.getMessage().contains("\n"), failure.getMessage());
        assertPortsFree(port);
        return failure;
    }

    private static void assertPortsFree(int port) throws IOException
    {
        try (ServerSocket tcp = new ServerSocket(port, 1, java.net.InetAddress.getByName("127.0.0.1"));
             DatagramChannel udp = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", port)))
        {
            assertTrue(tcp.isBound() && udp.socket().isBound());
        }
    }

    private static SslContextFactory.Server tls(String keyStore, String password)
    {
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStorePath(keyStore);
        ssl.setKeyStorePassword(password);
        return ssl;
    }

    private static H3Options.Builder options(int port)
    {
        return H3Options.builder().host("127.0.0.1").port(port);
    }

    @Test
    void attachingToAPlainHttpConnectorIsRefused()
    {
        Server server = server();
        ServerConnector plain = new ServerConnector(server);
        plain.setPort(8080);
        TlsConfigurationException failure = assertThrows(TlsConfigurationException.class, () -> H3Connector.attachTo(plain, H3Options.builder().build()));
        assertTrue(failure.getMessage().startsWith("HTTP/3 needs TLS, but connector "), failure.getMessage());
        assertTrue(failure.getMessage().endsWith("has no SslConnectionFactory: attach HTTP/3 to an HTTPS connector"), failure.getMessage());
    }

    @Test
    void noKeyStoreConfigured() throws Exception
    {
        onFreePorts(port ->
        {
            Server server = server();
            H3Connector.addTo(server, new SslContextFactory.Server(), options(port).build());
            TlsConfigurationException failure = assertStartFails(TlsConfigurationException.class, server, port);
            assertEquals("HTTP/3 needs TLS, but the SslContextFactory has no keystore: set one (jetty.sslContext.keyStorePath, or SslContextFactory.Server.setKeyStorePath)", failure.getMessage());
        });
    }

    @Test
    void keyStoreMissing() throws Exception
    {
        onFreePorts(port ->
        {
            Server server = server();
            // Jetty refuses a path that does not exist when it is set, so the file disappears after configuration.
            Path missing = Files.copy(TestKeyStores.localhost().keyStore(), temp.resolve("missing.p12"));
            H3Connector.addTo(server, tls(missing.toString(), TestKeyStores.PASSWORD), options(port).build());
            Files.delete(missing);
            TlsConfigurationException failure = assertStartFails(TlsConfigurationException.class, server, port);
            assertTrue(failure.getMessage().startsWith("keystore "), failure.getMessage());
            assertTrue(failure.getMessage().contains("missing.p12 not found: fix the keystore path (jetty.sslContext.keyStorePath"), failure.getMessage());
        });
    }

    @Test
    void keyStoreWithWrongPassword() throws Exception
    {
        onFreePorts(port ->
        {
            Server server = server();
            H3Connector.addTo(server, tls(TestKeyStores.localhost().keyStore().toString(), "wrong-password"), options(port).build());
            TlsConfigurationException failure = assertStartFails(TlsConfigurationException.class, server, port);
            assertTrue(failure.getMessage().endsWith("localhost.p12: wrong password: set the keystore password (jetty.sslContext.keyStorePassword, or SslContextFactory.setKeyStorePassword)"), failure.getMessage());
        });
    }

    @Test
    void keyStoreThatIsNotAKeyStore() throws Exception
    {
        onFreePorts(port ->
        {
            Server server = server();
            Path garbage = Files.writeString(temp.resolve("garbage.p12"), "not a keystore");
            H3Connector.addTo(server, tls(garbage.toString(), "x"), options(port).build());
            TlsConfigurationException failure = assertStartFails(TlsConfigurationException.class, server, port);
            assertTrue(failure.getMessage().contains("garbage.p12 cannot be read as PKCS12"), failure.getMessage());
        });
    }

    @Test
    void keyStoreWithoutAKeyUsableForTls13() throws Exception
    {
        onFreePorts(port ->
        {
            Server server = server();
            H3Connector.addTo(server, tls(TestKeyStores.dsaOnly().toString(), TestKeyStores.PASSWORD), options(port).build());
            TlsConfigurationException failure = assertStartFails(TlsConfigurationException.class, server, port);
            assertTrue(failure.getMessage().endsWith("dsa-only.p12 has no private key usable for TLS 1.3 (found: DSA 'dsa'): add an EC P-256 or RSA 2048+ key, e.g. keytool -genkeypair -keyalg EC -groupname secp256r1"),
                failure.getMessage());
        });
    }

    @Test
    void udpPortInUse() throws Exception
    {
        onFreePorts(port ->
        {
            try (DatagramChannel squatter = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", port)))
            {
                Server server = server();
                H3Connector.addTo(server, TestKeyStores.serverTls(), options(port).build());
                UdpPortInUseException failure = assertThrows(UdpPortInUseException.class, server::start);
                assertEquals("UDP port " + port + " on 127.0.0.1 is already in use, so QUIC (HTTP/3) cannot listen: stop the process that holds it (ss -ulpn 'sport = :" + port +
                    "') or configure another UDP port", failure.getMessage());
                // The TCP side was opened first; Jetty closed it again.
                try (ServerSocket tcp = new ServerSocket(port, 1, java.net.InetAddress.getByName("127.0.0.1")))
                {
                    assertTrue(tcp.isBound());
                }
            }
        });
    }

    @Test
    void nativeLibraryMissingForThisPlatform() throws Exception
    {
        // A real JVM that believes it runs on riscv64, for which netty-codec-native-quic ships no library.
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process process = new ProcessBuilder(java.toString(), "-Dos.arch=riscv64", "-cp", System.getProperty("java.class.path"),
            StartOnce.class.getName(), TestKeyStores.localhost().keyStore().toString(), TestKeyStores.PASSWORD)
            .redirectErrorStream(true).start();
        ReliabilitySupport.ProcessResult result = ReliabilitySupport.finish(process, 60);
        String output = result.output();
        assertTrue(result.finished(), "the JVM did not finish within 60 s: " + output);
        assertEquals(1, result.exit(), output);
        assertTrue(output.contains("QuicNativeLibraryException: native QUIC library (quiche) is not available for linux-riscv64 (Java " +
            Runtime.version().feature() + "): netty-codec-native-quic supports linux-x86_64, linux-aarch_64, osx-x86_64, osx-aarch_64, windows-x86_64: " +
            "run on one of those, or serve HTTP/3 through a proxy\n"), output);
    }

    /** Starts a server once and prints the failure, for {@link #nativeLibraryMissingForThisPlatform()}. */
    public static final class StartOnce
    {
        public static void main(String[] args) throws Exception
        {
            Server server = new Server();
            H3Connector.addTo(server, tls(args[0], args[1]), H3Options.builder().host("127.0.0.1").port(0).build());
            try
            {
                server.start();
                server.stop();
                System.exit(0);
            }
            catch (H3StartupException x)
            {
                System.out.println(x.getClass().getSimpleName() + ": " + x.getMessage());
                System.exit(1);
            }
        }
    }
}
