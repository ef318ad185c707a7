package io.github.h3connector.jetty;

import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The QUIC socket asks for {@link H3QuicConnector#SOCKET_BUFFER_BYTES} each way, so that a burst of handshakes queues
 * in the kernel instead of being dropped (Linux's default receive buffer is 208 KiB).
 */
@Timeout(60)
class UdpSocketBufferTest
{
    @Test
    void quicSocketGetsLargeBuffersUpToTheKernelLimit() throws Exception
    {
        try (TestServer server = TestServer.started())
        {
            DatagramChannel channel = (DatagramChannel)server.h3.quicConnector().getTransport();
            int receive = channel.getOption(StandardSocketOptions.SO_RCVBUF);
            int send = channel.getOption(StandardSocketOptions.SO_SNDBUF);
            // Linux grants min(asked, net.core.[rw]mem_max) and reports twice that.
            long receiveGranted = Math.min(H3QuicConnector.SOCKET_BUFFER_BYTES, kernelLimit("rmem_max"));
            long sendGranted = Math.min(H3QuicConnector.SOCKET_BUFFER_BYTES, kernelLimit("wmem_max"));
            assertTrue(receive >= receiveGranted, "SO_RCVBUF " + receive + " >= " + receiveGranted);
            assertTrue(send >= sendGranted, "SO_SNDBUF " + send + " >= " + sendGranted);
            assertTrue(receive > 212_992 * 2 || kernelLimit("rmem_max") <= 212_992, "more than Linux's default when the kernel allows it");
        }
    }

    private static long kernelLimit(String name) throws Exception
    {
        return Long.parseLong(Files.readString(Path.of("/proc/sys/net/core/" + name)).trim());
    }
}
