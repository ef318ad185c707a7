package io.github.h3connector.jetty;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HTTP/3 with an independent QUIC stack: ngtcp2's {@code gtlsclient} (Debian package {@code ngtcp2-client}).
 * Without it the test fails when {@code CI=true} and is skipped with the install hint otherwise ({@link ExternalTools}).
 */
@Timeout(60)
class GtlsClientInteropTest
{
    static final Path GTLSCLIENT = Path.of("/usr/bin/gtlsclient");

    /** Fails with CI=true, otherwise skips, when ngtcp2's client is missing ({@link ExternalTools}). */
    static void requireGtlsclient()
    {
        ExternalTools.requireExecutable(GTLSCLIENT, "ngtcp2-client");
    }

    @TempDir
    Path downloads;

    @Test
    void gtlsclientGetsProtocolOverHttp3() throws Exception
    {
        requireGtlsclient();
        try (TestServer server = TestServer.started())
        {
            int port = server.udpPort();
            ReliabilitySupport.ProcessResult client = ReliabilitySupport.run(30, GTLSCLIENT.toString(), "--quiet", "--exit-on-all-streams-close",
                "--download=" + downloads, "127.0.0.1", String.valueOf(port), "https://127.0.0.1:" + port + "/protocol");
            assertTrue(client.finished(), "gtlsclient did not finish within 30 s: " + client.output());
            assertEquals(0, client.exit(), client.output());
            String body = Files.readString(downloads.resolve("protocol"));
            assertEquals("{\"protocol\":\"HTTP/3\",\"http3\":true,\"hopProtocol\":\"HTTP/3\",\"protocolSource\":\"connection\",\"servletProtocol\":\"HTTP/3.0\",\"altSvc\":null}", body);
            assertEquals(1, server.h3.statistics().getHttp3Requests());
        }
    }
}
