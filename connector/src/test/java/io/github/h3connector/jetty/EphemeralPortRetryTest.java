package io.github.h3connector.jetty;

import java.net.BindException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Port 0 means any free port for TCP and UDP alike. When the TCP port the kernel gave is taken on UDP, the connector
 * moves both to another port and serves there (a Jetty ServerConnector reopened after close() would keep a closed
 * channel and report port -2). Forced here: the HTTPS connector is handed a TCP socket on a port whose UDP side this
 * test holds.
 */
@Timeout(60)
class EphemeralPortRetryTest
{
    @Test
    void udpPortTakenMovesTcpAndUdpToAnotherPort() throws Exception
    {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        DatagramSocket udp = null;
        ServerSocketChannel tcp = null;
        // A UDP port whose TCP side is free too (almost always the first).
        for (int attempt = 0; tcp == null && attempt < 20; attempt++)
        {
            if (udp != null)
                udp.close();
            udp = new DatagramSocket(new InetSocketAddress(loopback, 0));
            tcp = tcpOnTheSamePort(udp);
        }
        try (DatagramSocket heldUdp = udp; ServerSocketChannel heldTcp = tcp)
        {
            assertNotNull(heldTcp, "no UDP port with a free TCP side in 20 tries");
            int taken = heldUdp.getLocalPort();
            Server server = new Server();
            H3Connector h3 = H3Connector.addTo(server, TestKeyStores.serverTls(), H3Options.builder().host(loopback.getHostAddress()).port(0).build());
            h3.tlsConnector().open(heldTcp);
            server.start();
            try
            {
                int port = h3.tlsConnector().getLocalPort();
                assertNotEquals(taken, port, "TCP moved off the port taken on UDP");
                assertEquals(port, h3.quicConnector().getLocalPort(), "UDP on the same port as TCP");
                HttpClient client = TestClients.http3Client();
                try
                {
                    // No handler: Jetty's 404, over HTTP/3 on the new port.
                    ContentResponse response = client.GET("https://localhost:" + port + "/");
                    assertEquals(HttpVersion.HTTP_3, response.getVersion());
                    assertEquals(404, response.getStatus());
                }
                finally
                {
                    client.stop();
                }
            }
            finally
            {
                server.stop();
            }
        }
    }

    /** A TCP listening socket on the UDP socket's port, or null when that TCP port is busy. */
    private static ServerSocketChannel tcpOnTheSamePort(DatagramSocket udp) throws Exception
    {
        ServerSocketChannel channel = ServerSocketChannel.open();
        try
        {
            channel.bind(new InetSocketAddress(udp.getLocalAddress(), udp.getLocalPort()));
            return channel;
        }
        catch (BindException busy)
        {
            channel.close();
            return null;
        }
    }
}
