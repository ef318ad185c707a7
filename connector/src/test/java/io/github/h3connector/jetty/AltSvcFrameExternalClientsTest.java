package io.github.h3connector.jetty;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ALTSVC} frames as other HTTP/2 implementations see them: nghttp2's {@code nghttp -v} decodes the frame, curl
 * and h2load (10,000 requests) must see no protocol error. The tools come from Debian's {@code nghttp2-client} and
 * {@code curl}; without them these tests are skipped, except under {@code CI=true}, where they fail (./test.sh installs them).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class AltSvcFrameExternalClientsTest
{
    private TestServer server;

    @AfterEach
    void tearDown() throws Exception
    {
        if (server != null)
            server.close();
    }

    private static void requireTool(String tool)
    {
        ExternalTools.requireCommand(tool, tool.equals("curl") ? "curl" : "nghttp2-client");
    }

    /** Runs {@code command}, killed after 120 s (a hang-stopper): a run that did not finish fails with its output. */
    private static ReliabilitySupport.ProcessResult run(String... command) throws Exception
    {
        ReliabilitySupport.ProcessResult result = ReliabilitySupport.run(120, command);
        if (!result.finished())
            throw new IOException(String.join(" ", command) + " did not finish within 120 s: " + result.output());
        return result;
    }

    private static List<String> altSvcLines(String nghttpOutput)
    {
        List<String> lines = new ArrayList<>();
        List<String> all = nghttpOutput.lines().toList();
        for (int i = 0; i < all.size(); i++)
        {
            if (all.get(i).contains("recv ALTSVC frame"))
                lines.add(all.get(i).replaceFirst("^\\[[ 0-9.]+\\] ", "").strip() + " " + (i + 1 < all.size() ? all.get(i + 1).strip() : ""));
        }
        return lines;
    }

    @Test
    void nghttpDecodesTheConnectionAndStreamFrames() throws Exception
    {
        requireTool("nghttp");
        server = TestServer.started(H3Options.builder().altSvcFrame(AltSvcFrameMode.CONNECTION_AND_STREAMS));
        String value = "h3=\":" + server.udpPort() + "\"; ma=86400";
        String origin = "https://localhost:" + server.port();
        ReliabilitySupport.ProcessResult run = run("nghttp", "-v", "-n", server.url("/protocol"));
        LoggerFactory.getLogger(getClass()).info("nghttp -v:\n{}", run.output());
        assertEquals(0, run.exit(), run.output());
        List<String> frames = altSvcLines(run.output());
        assertEquals(List.of(
            "recv ALTSVC frame <length=" + (2 + origin.length() + value.length()) + ", flags=0x00, stream_id=0> (origin=[" + origin + "], altsvc_field_value=[" + value + "])",
            "recv ALTSVC frame <length=" + (2 + value.length()) + ", flags=0x00, stream_id=13> (origin=[], altsvc_field_value=[" + value + "])"),
            frames, run.output());
        // The server preface first, the connection frame right after it.
        List<String> received = run.output().lines().filter(line -> line.contains("] recv ")).map(line -> line.replaceFirst("^.*\\] recv ", "")).toList();
        assertTrue(received.get(0).startsWith("SETTINGS frame"), received.toString());
        assertTrue(received.indexOf(received.stream().filter(l -> l.startsWith("ALTSVC")).findFirst().orElseThrow()) <= 2, received.toString());
        assertTrue(run.output().contains("recv (stream_id=13) :status: 200"), run.output());
        assertTrue(run.output().contains("recv (stream_id=13) alt-svc: " + value), "the header goes out as before: " + run.output());
        // nghttp sends its own GOAWAY (NO_ERROR) when done; the server sends none, and resets nothing.
        assertTrue(!run.output().contains("recv GOAWAY") && !run.output().contains("RST_STREAM"), run.output());
    }

    @Test
    void nghttpSeesNoFrameWhenOff() throws Exception
    {
        requireTool("nghttp");
        server = TestServer.started(H3Options.builder());
        ReliabilitySupport.ProcessResult run = run("nghttp", "-v", "-n", server.url("/protocol"));
        assertEquals(0, run.exit(), run.output());
        assertEquals(List.of(), altSvcLines(run.output()), run.output());
        assertTrue(run.output().contains("recv (stream_id=13) :status: 200"), run.output());
    }

    @Test
    void curlReusesTheConnectionWithoutError() throws Exception
    {
        requireTool("curl");
        server = TestServer.started(H3Options.builder().altSvcFrame(AltSvcFrameMode.CONNECTION_AND_STREAMS));
        // TLS 1.2: curl 7.88.1 takes a TLS 1.3 connection for dead when Jetty's session ticket arrives after the first
        // response, and opens a second one; with the frames off just as often (14 of 20 runs), so that says nothing here.
        ReliabilitySupport.ProcessResult run = run("curl", "-skv", "--http2", "--tls-max", "1.2", "-o", "/dev/null", "-o", "/dev/null", "-w", "%{http_version} %{http_code}\\n",
            server.url("/protocol"), server.url("/protocol"));
        assertEquals(0, run.exit(), run.output());
        assertEquals(List.of("2 200", "2 200"), run.output().lines().filter(line -> line.matches("2 \\d{3}")).toList(), run.output());
        assertTrue(run.output().contains("Re-using existing connection"), run.output());
        assertTrue(!run.output().contains("seems to be dead"), run.output());
        // curl sends SNI localhost: one connection frame, then one per stream.
        assertEquals(3, server.h3.statistics().getAltSvcFramesSent());
        assertEquals(0, server.h3.statistics().getAltSvcFramesSkipped());

        // TLS 1.3 as well, without the reuse check.
        ReliabilitySupport.ProcessResult tls13 = run("curl", "-sk", "--http2", "--tlsv1.3", "-o", "/dev/null", "-o", "/dev/null", "-w", "%{http_version} %{http_code}\\n",
            server.url("/protocol"), server.url("/protocol"));
        assertEquals(0, tls13.exit(), tls13.output());
        assertEquals(List.of("2 200", "2 200"), tls13.output().lines().toList(), tls13.output());
    }

    @Test
    void h2loadTenThousandRequestsAndLargeResponsesWithoutError() throws Exception
    {
        requireTool("h2load");
        server = TestServer.started(H3Options.builder().altSvcFrame(AltSvcFrameMode.CONNECTION_AND_STREAMS));
        int requests = 10_000;
        int connections = 4;
        ReliabilitySupport.ProcessResult run = run("h2load", "-n", String.valueOf(requests), "-c", String.valueOf(connections), "-m", "20", server.url("/protocol"));
        LoggerFactory.getLogger(getClass()).info("h2load:\n{}", run.output());
        assertEquals(0, run.exit(), run.output());
        Matcher summary = Pattern.compile("requests: (\\d+) total, (\\d+) started, (\\d+) done, (\\d+) succeeded, (\\d+) failed, (\\d+) errored, (\\d+) timeout")
            .matcher(run.output());
        assertTrue(summary.find(), run.output());
        assertEquals(List.of(requests, requests, requests, requests, 0, 0, 0), List.of(Integer.parseInt(summary.group(1)), Integer.parseInt(summary.group(2)),
            Integer.parseInt(summary.group(3)), Integer.parseInt(summary.group(4)), Integer.parseInt(summary.group(5)),
            Integer.parseInt(summary.group(6)), Integer.parseInt(summary.group(7))), summary.group());
        assertTrue(run.output().contains("status codes: " + requests + " 2xx"), run.output());
        // One frame per connection and one per stream, none lost.
        assertEquals(requests + connections, server.h3.statistics().getAltSvcFramesSent());

        // Large responses, so that flow control stalls DATA while the frames (not flow-controlled) go on.
        server.release.countDown();
        ReliabilitySupport.ProcessResult large = run("h2load", "-n", "200", "-c", "4", "-m", "10", server.url("/slow?chunks=16"));
        LoggerFactory.getLogger(getClass()).info("h2load, 1 MiB responses:\n{}", large.output());
        assertEquals(0, large.exit(), large.output());
        assertTrue(large.output().contains("requests: 200 total, 200 started, 200 done, 200 succeeded, 0 failed, 0 errored, 0 timeout"), large.output());
        assertTrue(large.output().contains("status codes: 200 2xx"), large.output());
    }
}
