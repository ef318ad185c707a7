package io.github.h3connector.jetty;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Address validation with Retry, seen from ngtcp2's client: with {@code retry=ALWAYS} every new connection gets a
 * Retry packet first and then completes with the token; with the default (under load only) an idle server sends none.
 */
@Timeout(60)
class RetryTest
{
    @Test
    void alwaysSendsRetryAndTheClientCompletesWithTheToken(@TempDir Path downloads) throws Exception
    {
        String output = fetch(H3Options.builder().retry(RetryPolicy.ALWAYS), downloads);
        assertTrue(output.contains("type=Retry"), "no Retry packet received:\n" + output);
    }

    @Test
    void anIdleServerSendsNoRetryByDefault(@TempDir Path downloads) throws Exception
    {
        String output = fetch(H3Options.builder(), downloads);
        assertFalse(output.contains("type=Retry"), "Retry from an idle server:\n" + output);
    }

    private static String fetch(H3Options.Builder options, Path downloads) throws Exception
    {
        GtlsClientInteropTest.requireGtlsclient();
        try (TestServer server = TestServer.started(options))
        {
            int port = server.udpPort();
            ReliabilitySupport.ProcessResult client = ReliabilitySupport.run(30, GtlsClientInteropTest.GTLSCLIENT.toString(),
                "--exit-on-all-streams-close", "--download=" + downloads, "127.0.0.1", String.valueOf(port), "https://127.0.0.1:" + port + "/protocol");
            assertTrue(client.finished(), client.output());
            assertEquals(0, client.exit(), client.output());
            assertTrue(Files.readString(downloads.resolve("protocol")).contains("\"protocol\":\"HTTP/3\""), client.output());
            assertEquals(1, server.h3.statistics().getHttp3Requests());
            return client.output();
        }
    }
}
