package io.github.h3connector.jetty;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.eclipse.jetty.jmx.MBeanContainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * qlog on demand: the {@code recordQlog} JMX operation of {@link H3QuicConnector}, invoked through the platform
 * MBean server, turns qlog on for the next N connections; connections are made with ngtcp2's {@code gtlsclient}
 * (Debian package {@code ngtcp2-client}). Each file must be JSON-SEQ qlog (RFC 7464 records, a qlog header naming the
 * server's view of the connection, then events), and the directory must keep to its bound.
 */
@Timeout(120)
class QlogTest
{
    private static final char RS = 0x1E;

    @TempDir
    Path temp;

    @Test
    void jmxTurnsQlogOnForTheNextTwoConnections() throws Exception
    {
        GtlsClientInteropTest.requireGtlsclient();
        Path directory = temp.resolve("qlog");
        try (TestServer server = ReliabilitySupport.started(H3Options.builder()))
        {
            MBeanContainer mbeans = new MBeanContainer(ManagementFactory.getPlatformMBeanServer());
            server.server.addBean(mbeans);
            try
            {
                MBeanServer platform = ManagementFactory.getPlatformMBeanServer();
                Set<ObjectName> names = platform.queryNames(new ObjectName("io.github.h3connector.jetty:type=h3quicconnector,*"), null);
                assertEquals(1, names.size(), names.toString());
                ObjectName connector = names.iterator().next();
                assertEquals(0L, platform.getAttribute(connector, "qlogConnectionsLeft"));
                Object answer = platform.invoke(connector, "recordQlog", new Object[]{2, directory.toString(), 10L << 20},
                    new String[]{int.class.getName(), String.class.getName(), long.class.getName()});
                assertEquals("qlog for the next 2 QUIC connection(s) in " + directory.toAbsolutePath() + ", at most 10485760 bytes in total", answer);
                assertEquals(2L, platform.getAttribute(connector, "qlogConnectionsLeft"));

                List<String> clientIds = new ArrayList<>();
                for (int i = 0; i < 3; i++)
                    clientIds.add(get(server, "/bytes?mib=0.01&seed=" + i));
                awaitNoConnection(server);

                assertEquals(0L, platform.getAttribute(connector, "qlogConnectionsLeft"));
                List<Path> files = qlogFiles(directory);
                assertEquals(2, files.size(), files.toString());
                // Each file is the server's view of one of the first two connections: it sends to the client's id.
                List<String> logged = new ArrayList<>();
                for (Path file : files)
                {
                    assertQlog(file);
                    String text = Files.readString(file);
                    for (String id : clientIds)
                    {
                        if (text.contains("\"dcid\":\"" + id + "\""))
                            logged.add(id);
                    }
                }
                assertEquals(java.util.Set.copyOf(clientIds.subList(0, 2)), java.util.Set.copyOf(logged), "client ids " + clientIds);
                assertEquals(2, logged.size(), logged.toString());
            }
            finally
            {
                server.server.removeBean(mbeans);
                mbeans.destroy();
            }
        }
    }

    @Test
    void theDirectoryKeepsToItsBound() throws Exception
    {
        GtlsClientInteropTest.requireGtlsclient();
        Path directory = temp.resolve("bounded");
        long bound = 256 * 1024;
        try (TestServer server = ReliabilitySupport.started(H3Options.builder().qlog(directory, bound)))
        {
            // A connection that downloads 1 MiB logs some hundreds of KiB of events: a few such fill the bound.
            List<Long> sizes = new ArrayList<>();
            for (int i = 0; i < 4; i++)
            {
                get(server, "/bytes?mib=0.25&seed=" + i);
                awaitNoConnection(server);
                sizes.add(total(directory));
                assertTrue(total(directory) <= bound, "qlog directory holds " + total(directory) + " bytes, bound " + bound + "; after each connection " + sizes);
            }
            List<Path> files = qlogFiles(directory);
            assertTrue(!files.isEmpty() && files.size() < 4, "expected the oldest files deleted, got " + files + " sizes " + sizes);
            for (Path file : files)
                assertQlog(file);
        }
    }

    @Test
    void aDirectoryThatCannotBeWrittenIsRefusedInOneLine() throws Exception
    {
        Path file = Files.writeString(temp.resolve("not-a-directory"), "x");
        try (TestServer server = ReliabilitySupport.started(H3Options.builder()))
        {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> server.h3.quicConnector().recordQlog(1, file.resolve("sub").toString(), 1 << 20));
            assertTrue(refused.getMessage().startsWith("qlog directory " + file.resolve("sub") + " cannot be created"), refused.getMessage());
            assertTrue(refused.getMessage().endsWith("; name a writable directory"), refused.getMessage());
            assertEquals("qlog maxBytes must be at least 65536, got 1000",
                assertThrows(IllegalArgumentException.class, () -> server.h3.quicConnector().recordQlog(1, temp.toString(), 1000)).getMessage());
        }
    }

    /** @return the client's connection id, in hex, as gtlsclient logs it */
    private String get(TestServer server, String path) throws Exception
    {
        int port = server.udpPort();
        Path download = Files.createTempDirectory(temp, "download");
        ReliabilitySupport.ProcessResult result = ReliabilitySupport.run(60, GtlsClientInteropTest.GTLSCLIENT.toString(), "--no-quic-dump",
            "--no-http-dump", "--exit-on-all-streams-close", "--download=" + download, "127.0.0.1", String.valueOf(port), "https://127.0.0.1:" + port + path);
        assertTrue(result.finished() && result.exit() == 0, result.output());
        java.util.regex.Matcher id = java.util.regex.Pattern.compile("(?m)^I\\d+ 0x([0-9a-f]+) ").matcher(result.output());
        assertTrue(id.find(), "no connection id in gtlsclient's log");
        return id.group(1);
    }

    /** The server ends a connection (and its qlog file) a moment after the client closed it. */
    private static void awaitNoConnection(TestServer server) throws InterruptedException
    {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (server.h3.statistics().getOpenQuicConnections() > 0 && System.nanoTime() < deadline)
            Thread.sleep(20);
        assertEquals(0, server.h3.statistics().getOpenQuicConnections());
        // channelInactive, where the file is handed back, runs just after the session's disconnect.
        Thread.sleep(200);
    }

    private static List<Path> qlogFiles(Path directory) throws Exception
    {
        if (!Files.isDirectory(directory))
            return List.of();
        try (Stream<Path> list = Files.list(directory))
        {
            return list.filter(path -> path.getFileName().toString().endsWith(".sqlog")).sorted().toList();
        }
    }

    private static long total(Path directory) throws Exception
    {
        long total = 0;
        for (Path file : qlogFiles(directory))
            total += Files.size(file);
        return total;
    }

    /** JSON-SEQ: every record is RS, one JSON value, newline; the first is the qlog header, the others events. */
    private static void assertQlog(Path file) throws Exception
    {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        assertTrue(text.charAt(0) == RS, file + " does not start with a JSON-SEQ record separator");
        String[] records = text.substring(1).split(String.valueOf(RS));
        assertTrue(records.length > 10, file + " has " + records.length + " records");
        for (String record : records)
            Json.check(record.strip());
        String header = records[0];
        assertTrue(header.contains("\"serialization_format\":\"JSON-SEQ\""), header);
        assertTrue(header.contains("\"vantage_point\":{\"type\":\"server\"}"), header);
        Set<String> events = new java.util.TreeSet<>();
        java.util.regex.Matcher name = java.util.regex.Pattern.compile("\"name\":\"([a-z0-9_]+:[a-z0-9_]+)\"").matcher(text);
        while (name.find())
            events.add(name.group(1));
        assertTrue(events.containsAll(Set.of("quic:parameters_set", "quic:packet_received", "quic:packet_sent", "quic:stream_data_moved", "quic:connection_closed")), file + " events: " + events);
    }

    /** A strict JSON syntax check (RFC 8259), enough to tell a whole record from a cut or garbled one. */
    private static final class Json
    {
        private final String text;
        private int at;

        private Json(String text)
        {
            this.text = text;
        }

        static void check(String text)
        {
            Json json = new Json(text);
            json.value();
            json.space();
            if (json.at != text.length())
                throw new AssertionError("trailing characters at " + json.at + " in " + text);
        }

        private void value()
        {
            space();
            if (at >= text.length())
                throw fail("a value");
            char c = text.charAt(at);
            switch (c)
            {
                case '{' -> members('}', true);
                case '[' -> members(']', false);
                case '"' -> string();
                case 't' -> literal("true");
                case 'f' -> literal("false");
                case 'n' -> literal("null");
                default -> number();
            }
        }

        private void members(char close, boolean object)
        {
            at++;
            space();
            if (peek() == close)
            {
                at++;
                return;
            }
            while (true)
            {
                if (object)
                {
                    space();
                    string();
                    space();
                    expect(':');
                }
                value();
                space();
                char c = peek();
                at++;
                if (c == close)
                    return;
                if (c != ',')
                    throw fail("',' or '" + close + "'");
            }
        }

        private void string()
        {
            expect('"');
            while (true)
            {
                char c = peek();
                at++;
                if (c == '"')
                    return;
                if (c == '\\')
                    at++;
                else if (c < 0x20)
                    throw fail("no control character in a string");
            }
        }

        private void number()
        {
            int start = at;
            while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0)
                at++;
            if (!text.substring(start, at).matches("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?"))
                throw fail("a number");
        }

        private void literal(String literal)
        {
            if (!text.startsWith(literal, at))
                throw fail(literal);
            at += literal.length();
        }

        private void expect(char c)
        {
            if (peek() != c)
                throw fail("'" + c + "'");
            at++;
        }

        private char peek()
        {
            if (at >= text.length())
                throw fail("more");
            return text.charAt(at);
        }

        private void space()
        {
            while (at < text.length() && Character.isWhitespace(text.charAt(at)))
                at++;
        }

        private AssertionError fail(String expected)
        {
            int from = Math.max(0, at - 40);
            return new AssertionError("invalid JSON: expected " + expected + " at " + at + " near '" + text.substring(from, Math.min(text.length(), at + 40)) + "'");
        }
    }
}
