package io.github.h3connector.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http3.api.Session;
import org.eclipse.jetty.http3.api.Stream;
import org.eclipse.jetty.http3.client.HTTP3Client;
import org.eclipse.jetty.http3.client.HTTP3ClientQuicConfiguration;
import org.eclipse.jetty.http3.client.HTTP3SessionClient;
import org.eclipse.jetty.http3.client.internal.ClientHTTP3Session;
import org.eclipse.jetty.http3.frames.HeadersFrame;
import org.eclipse.jetty.http3.frames.SettingsFrame;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.quic.quiche.client.QuicheClientQuicConfiguration;
import org.eclipse.jetty.quic.quiche.client.QuicheTransport;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.Invocable;

/**
 * The server-side cases of the QUIC Interop Runner (https://interop.seemann.io), driven by ngtcp2's {@code gtlsclient}
 * against each server in its own process (the embedded demo on Java 17 and 25, a Jetty 12.1.5 distribution with the
 * h3connector module, Caddy as the anchor), written as the matrix of {@code docs/INTEROP.md}. Every cell is decided
 * from what the client logged (transport parameters, TLS messages, packet headers, paths) and every download by size
 * and SHA-256. Started by {@code benchmarks/interop.sh}, which writes the whole matrix, and by {@code InteropIT} in
 * {@code mvn verify}, which runs the h3connector targets (not Caddy) through {@link #runTargets} and asserts their cells.
 */
public final class InteropRunner
{
    static final String PASS = "pass";
    static final String FAIL = "fail";
    static final String UNSUPPORTED = "unsupported";
    static final String NA = "n/a";
    private static final int KIB = 1024;
    private static final int MIB = 1024 * 1024;
    /** The main instances' idle timeout: long enough for 30 % handshake loss (the client's probe back-off). */
    private static final int IDLE_SECONDS = 60;
    /** The retry instances' idle timeout, which the idle-timeout case checks. */
    private static final int SHORT_IDLE_SECONDS = 5;

    /** The case names, in the matrix's order. */
    public static final List<String> CASES = List.of("handshake", "transfer", "multiplexing", "retry", "resumption", "zerortt",
        "keyupdate", "chacha20", "migration", "rebinding", "versionnegotiation", "quicv2", "handshakeloss", "handshakecorruption",
        "transferloss", "transfercorruption", "idletimeout", "oversizedheaders", "ecn");
    private static final Map<String, String> CASE_NAMES = Map.ofEntries(
        Map.entry("handshake", "handshake"), Map.entry("transfer", "transfer"),
        Map.entry("multiplexing", "multiplexing (300 responses)"), Map.entry("retry", "retry (`always`)"),
        Map.entry("resumption", "resumption"), Map.entry("zerortt", "zerortt"), Map.entry("keyupdate", "keyupdate"),
        Map.entry("chacha20", "chacha20"), Map.entry("migration", "migration (active)"), Map.entry("rebinding", "NAT rebinding"),
        Map.entry("versionnegotiation", "version negotiation"), Map.entry("quicv2", "QUIC v2 (RFC 9369)"),
        Map.entry("handshakeloss", "handshake loss (30 %)"), Map.entry("handshakecorruption", "handshake corruption (30 %)"),
        Map.entry("transferloss", "transfer loss (10 %)"), Map.entry("transfercorruption", "transfer corruption (10 %)"),
        Map.entry("idletimeout", "idle timeout"), Map.entry("oversizedheaders", "oversized header section"), Map.entry("ecn", "ECN"));

    private static final java.util.regex.Pattern HEX_LINE = java.util.regex.Pattern.compile("^[0-9a-f]{8}  ((?:[0-9a-f]{2} {1,2})+)");
    private static final java.util.regex.Pattern REQUEST_IN_0RTT = java.util.regex.Pattern.compile("frm tx \\d+ 0RTT STREAM\\(0x0[8-f]\\) id=0x0 ");
    private static final int ENCRYPTED_EXTENSIONS = 8;
    private static final int CERTIFICATE = 11;
    private static final int FINISHED = 20;

    private final Map<String, String> options;
    private final Path logs;
    private final String gtlsclient;
    /** The large body of the transfer case: 64 MiB for docs/INTEROP.md, less where a build's time budget asks. */
    private final long largeTransfer;

    private InteropRunner(Map<String, String> options)
    {
        this.options = options;
        this.logs = Path.of(options.getOrDefault("logs", "benchmarks/target/interop")).toAbsolutePath();
        this.gtlsclient = options.getOrDefault("gtlsclient", "gtlsclient");
        this.largeTransfer = Long.parseLong(options.getOrDefault("large-mib", "64")) * MIB;
        if (largeTransfer < 2L * MIB)
            throw new IllegalArgumentException("--large-mib must be at least 2 (the transfer case's small body is 1 MiB)");
    }

    public static void main(String[] args) throws Exception
    {
        long begin = System.nanoTime();
        Map<String, String> options = options(args);
        List<TargetResult> results = new InteropRunner(options).runTargets();
        long seconds = Duration.ofNanos(System.nanoTime() - begin).toSeconds();
        Path out = Path.of(options.getOrDefault("out", "docs/INTEROP.md"));
        Files.writeString(out, new InteropRunner(options).document(results, seconds));
        System.out.println("wrote " + out + " in " + seconds + " s");
    }

    /**
     * Runs every case against the targets that {@code --only} selects (all when absent), each server in its own process.
     *
     * @param args {@code --name value} pairs, those of {@code benchmarks/interop.sh}; {@code --only} takes a comma-separated
     *     list of target ids ({@code demo-java17, demo-java25, jetty-java17, jetty-java25, caddy}) or fragments of them or of labels
     */
    public static List<TargetResult> runTargets(String... args) throws Exception
    {
        return new InteropRunner(options(args)).runTargets();
    }

    private static Map<String, String> options(String... args)
    {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2)
        {
            if (!args[i].startsWith("--"))
                throw new IllegalArgumentException("expected --name value pairs, got " + args[i]);
            options.put(args[i].substring(2), args[i + 1]);
        }
        if (args.length % 2 != 0)
            throw new IllegalArgumentException("option " + args[args.length - 1] + " needs a value");
        return options;
    }

    /**
     * One case's outcome against one target.
     *
     * @param text the cell: a verdict ({@code pass}, {@code fail}, {@code unsupported}, {@code n/a}), then {@code ": "} and why
     * @param clientLog the log of the client run that decided it, or null when no gtlsclient ran (the oversized header section)
     * @param serverLog the server's output
     */
    public record Cell(String text, Path clientLog, Path serverLog)
    {
        public String verdict()
        {
            int colon = text.indexOf(':');
            return colon > 0 ? text.substring(0, colon) : text;
        }
    }

    /** The cells of one target, by case name (in {@link #CASES} order), and how its servers were started. */
    public record TargetResult(String id, String label, String notes, Map<String, Cell> cells)
    {
    }

    /** One server under test: how to start its main instance and, when it can be configured so, its Retry one. */
    private record Target(String id, String label, Start main, Start retry, int configuredIdleSeconds, String notes)
    {
    }

    interface Start
    {
        Running start() throws Exception;
    }

    private List<TargetResult> runTargets() throws Exception
    {
        Files.createDirectories(logs);
        String java17 = options.get("java17");
        String java25 = options.get("java25");
        String demoJar = options.get("demo-jar");
        List<Target> targets = new ArrayList<>();
        String demoNotes = "`java -jar examples/embedded-demo/target/embedded-demo.jar --port P --early-data --idle-timeout " + IDLE_SECONDS +
            "` (retry and idle-timeout cases: a second instance with `--early-data --retry=always --idle-timeout " + SHORT_IDLE_SECONDS + "`), its self-signed certificate";
        targets.add(new Target("demo-java17", "demo, Java 17", () -> startDemo("demo-java17", java17, demoJar, false),
            () -> startDemo("demo-java17-retry", java17, demoJar, true), SHORT_IDLE_SECONDS, demoNotes + "; " + javaVersion(java17)));
        targets.add(new Target("demo-java25", "demo, Java 25", () -> startDemo("demo-java25", java25, demoJar, false),
            () -> startDemo("demo-java25-retry", java25, demoJar, true), SHORT_IDLE_SECONDS, demoNotes + "; " + javaVersion(java25)));
        String jettyNotes = "jetty-home 12.1.5 unpacked, a jetty-base with the module zip unpacked and `--add-modules=h3connector,ee10-deploy`, " +
            "`jetty.h3connector.earlyData=true jetty.quic.idleTimeout=" + IDLE_SECONDS * 1000 + "` (retry and idle-timeout cases: a second instance with `jetty.h3connector.retry=ALWAYS " +
            "jetty.quic.idleTimeout=" + SHORT_IDLE_SECONDS * 1000 + "`), the demo's `BytesServlet` as the ROOT webapp; ";
        targets.add(new Target("jetty-java17", "Jetty 12.1.5 + module, Java 17", () -> startJetty("jetty-java17", java17, false),
            () -> startJetty("jetty-java17-retry", java17, true), SHORT_IDLE_SECONDS, jettyNotes + javaVersion(java17)));
        targets.add(new Target("jetty-java25", "Jetty 12.1.5 + module, Java 25", () -> startJetty("jetty-java25", java25, false),
            () -> startJetty("jetty-java25-retry", java25, true), SHORT_IDLE_SECONDS, jettyNotes + javaVersion(java25)));
        String caddy = options.getOrDefault("caddy", "caddy");
        targets.add(new Target("caddy", "anchor: Caddy " + caddyVersion(caddy), () -> startCaddy("caddy", caddy), null, -1,
            "generated Caddyfile (`benchmarks/target/interop/caddy/Caddyfile`): `file_server` of pattern files, `/bytes?n=N` rewritten to the file " +
                "of N bytes; quic-go's defaults (Caddy 2.6 has no setting for Retry or the QUIC idle timeout; it accepts 0-RTT by default); " +
                "the idle-timeout case on a restarted instance"));
        String only = options.get("only");
        List<TargetResult> results = new ArrayList<>();
        for (Target target : targets)
        {
            if (only != null && List.of(only.toLowerCase().split(",")).stream()
                .noneMatch(part -> target.id().contains(part.strip()) || target.label().toLowerCase().contains(part.strip())))
                continue;
            System.out.println("== " + target.label());
            Map<String, Cell> cells = new LinkedHashMap<>();
            runTarget(target, cells);
            Map<String, Cell> ordered = new LinkedHashMap<>();
            for (String name : CASES)
                ordered.put(name, cells.get(name));
            results.add(new TargetResult(target.id(), target.label(), target.notes(), java.util.Collections.unmodifiableMap(ordered)));
        }
        if (only != null && results.isEmpty())
            throw new IllegalArgumentException("--only " + only + " selects no target; ids: " + targets.stream().map(Target::id).toList());
        return results;
    }

    private void runTarget(Target target, Map<String, Cell> cells)
    {
        String dirName = target.label().replaceAll("[^A-Za-z0-9.]+", "_");
        try (Running server = target.main().start())
        {
            Cases cases = new Cases(server, logs.resolve(dirName));
            for (String name : CASES)
            {
                if (name.equals("retry") || name.equals("idletimeout"))
                    continue;
                cells.put(name, cases.guard(name, () -> cases.run(name)));
            }
        }
        catch (Exception x)
        {
            notStarted(target, cells, CASES, x);
        }
        if (target.retry() == null)
        {
            cells.put("retry", new Cell(NA + ": Caddy 2.6 has no setting to send Retry", null, null));
            try (Running server = target.main().start())
            {
                Cases cases = new Cases(server, logs.resolve(dirName));
                cells.put("idletimeout", cases.guard("idletimeout", () -> cases.idleTimeout(-1)));
            }
            catch (Exception x)
            {
                notStarted(target, cells, List.of("idletimeout"), x);
            }
        }
        else
        {
            try (Running server = target.retry().start())
            {
                Cases cases = new Cases(server, logs.resolve(dirName + "-retry"));
                cells.put("retry", cases.guard("retry", cases::retry));
                cells.put("idletimeout", cases.guard("idletimeout", () -> cases.idleTimeout(target.configuredIdleSeconds())));
            }
            catch (Exception x)
            {
                notStarted(target, cells, List.of("retry", "idletimeout"), x);
            }
        }
        for (String name : CASES)
            System.out.println("   " + name + ": " + cells.get(name).text());
    }

    private void notStarted(Target target, Map<String, Cell> cells, List<String> names, Exception x)
    {
        System.out.println("   " + target.label() + ": " + x);
        for (String name : names)
            cells.putIfAbsent(name, new Cell(FAIL + ": the server did not start (" + oneLine(x) + ")", null, logs));
    }

    interface Case
    {
        String run() throws Exception;
    }

    private static String oneLine(Throwable x)
    {
        String message = x.getMessage() == null ? x.toString() : x.getMessage();
        message = message.replace('\n', ' ').replace("|", "/");
        return message.length() > 160 ? message.substring(0, 160) + "…" : message;
    }

    /** The cases against one running server; each returns its cell. */
    private final class Cases
    {
        private final Running server;
        private final Path directory;
        /** The log of the latest gtlsclient run: the one that decided the current case. */
        private Path lastLog;

        Cases(Running server, Path directory) throws IOException
        {
            this.server = server;
            this.directory = Files.createDirectories(directory);
        }

        /** Runs one case; an exception is that case's failure, so the others still run. */
        Cell guard(String name, Case c)
        {
            lastLog = null;
            String text;
            try
            {
                text = c.run();
            }
            catch (Exception x)
            {
                System.out.println("   " + name + ": error " + x);
                text = FAIL + ": " + oneLine(x);
            }
            System.out.println("   " + name + ": " + text);
            return new Cell(text, lastLog, server.log());
        }

        String url(long bytes)
        {
            return "https://127.0.0.1:" + server.port() + "/bytes?n=" + bytes;
        }

        String run(String name) throws Exception
        {
            return switch (name)
            {
                case "handshake" -> handshake();
                case "transfer" -> transfer();
                case "multiplexing" -> multiplexing();
                case "resumption" -> resumption();
                case "zerortt" -> zeroRtt();
                case "keyupdate" -> keyUpdate();
                case "chacha20" -> chacha20();
                case "migration" -> migration();
                case "rebinding" -> rebinding();
                case "versionnegotiation" -> versionNegotiation();
                case "quicv2" -> quicV2();
                case "handshakeloss" -> handshakeLoss();
                case "handshakecorruption" -> handshakeCorruption();
                case "transferloss" -> transferLoss();
                case "transfercorruption" -> transferCorruption();
                case "oversizedheaders" -> oversizedHeaders();
                case "ecn" -> ecn();
                default -> throw new IllegalArgumentException(name);
            };
        }

        Gtls gtls(String name, int port, List<String> flags, List<String> urls) throws Exception
        {
            Path download = directory.resolve(name);
            deleteTree(download);
            Files.createDirectories(download);
            List<String> command = new ArrayList<>(List.of(gtlsclient, "--download=" + download));
            command.addAll(flags);
            command.add("127.0.0.1");
            command.add(String.valueOf(port));
            command.addAll(urls);
            Path log = directory.resolve(name + ".log");
            lastLog = log;
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            boolean finished = process.waitFor(240, TimeUnit.SECONDS);
            if (!finished)
            {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            String output = Files.readString(log, StandardCharsets.ISO_8859_1);
            return new Gtls(download, log, output, finished ? process.exitValue() : -1, finished);
        }

        Gtls gtls(String name, List<String> flags, String... urls) throws Exception
        {
            return gtls(name, server.port(), flags, List.of(urls));
        }

        /** @return null when the run finished with exit 0 and every download is whole, else a failure cell */
        String failure(Gtls run, long... sizes) throws IOException
        {
            if (!run.finished())
                return FAIL + ": gtlsclient did not finish in 240 s (" + run.lastLine() + ")";
            if (run.exit() != 0)
                return FAIL + ": gtlsclient exit " + run.exit() + " (" + run.lastLine() + ")";
            for (long size : sizes)
            {
                String problem = run.downloadProblem(size);
                if (problem != null)
                    return FAIL + ": " + problem;
            }
            return null;
        }

        String handshake() throws Exception
        {
            Gtls run = gtls("handshake", List.of("--exit-on-all-streams-close"), url(10 * KIB));
            String failure = failure(run, 10 * KIB);
            if (failure != null)
                return failure;
            if (!run.output().contains("QUIC handshake has completed"))
                return FAIL + ": no \"QUIC handshake has completed\" in the client's log";
            return PASS + ": handshake completed, 10 KiB byte-exact";
        }

        String transfer() throws Exception
        {
            // --quiet: the client's packet log of 64 MiB would cost more than the transfer.
            Gtls small = gtls("transfer-1m", List.of("--exit-on-all-streams-close", "--quiet"), url(MIB));
            String failure = failure(small, MIB);
            if (failure != null)
                return failure;
            Gtls large = gtls("transfer-large", List.of("--exit-on-all-streams-close", "--quiet"), url(largeTransfer));
            failure = failure(large, largeTransfer);
            if (failure != null)
                return failure;
            return PASS + ": 1 MiB and " + largeTransfer / MIB + " MiB, SHA-256 equal";
        }

        String multiplexing() throws Exception
        {
            List<String> urls = new ArrayList<>();
            long[] sizes = new long[300];
            for (int i = 0; i < sizes.length; i++)
            {
                sizes[i] = 1000 + i;
                urls.add(url(sizes[i]));
            }
            Gtls run = gtls("multiplexing", server.port(), List.of("--exit-on-all-streams-close"), urls);
            String failure = failure(run, sizes);
            if (failure != null)
                return failure;
            int handshakes = count(run.output(), "QUIC handshake has completed");
            if (handshakes != 1)
                return FAIL + ": " + handshakes + " handshakes in the client's log";
            int maxStreams = Integer.parseInt(run.serverTransportParameter("initial_max_streams_bidi", "-1"));
            return PASS + ": 300 distinct bodies byte-exact on 1 connection (server's initial_max_streams_bidi " + maxStreams + ")";
        }

        String retry() throws Exception
        {
            Gtls run = gtls("retry", List.of("--exit-on-all-streams-close"), url(10 * KIB));
            String failure = failure(run, 10 * KIB);
            if (failure != null)
                return failure;
            if (!java.util.regex.Pattern.compile("pkt rx .*type=Retry").matcher(run.output()).find())
                return FAIL + ": no Retry packet in the client's log";
            return PASS + ": the client received a Retry, then the handshake completed with its token";
        }

        String resumption() throws Exception
        {
            Path session = directory.resolve("resumption-session.pem");
            Files.deleteIfExists(session);
            // --disable-early-data: gtlsclient 0.12 crashes (SIGSEGV) resuming a ticket that allows early data without a --tp-file.
            Gtls first = gtls("resumption-1", List.of("--exit-on-all-streams-close", "--disable-early-data", "--session-file=" + session), url(10 * KIB));
            String failure = failure(first, 10 * KIB);
            if (failure != null)
                return failure;
            if (!Files.exists(session) || Files.size(session) == 0)
                return FAIL + ": the server sent no session ticket";
            if (!first.serverHandshakeMessages().contains(CERTIFICATE))
                return FAIL + ": the first handshake carried no certificate: " + first.serverHandshakeMessages();
            Gtls second = gtls("resumption-2", List.of("--exit-on-all-streams-close", "--disable-early-data", "--session-file=" + session), url(10 * KIB + 1));
            failure = failure(second, 10 * KIB + 1);
            if (failure != null)
                return failure;
            List<Integer> messages = second.serverHandshakeMessages();
            if (!messages.equals(List.of(ENCRYPTED_EXTENSIONS, FINISHED)))
                return FAIL + ": second handshake sent TLS messages " + messages + " (11 = Certificate)";
            return PASS + ": second handshake: EncryptedExtensions, Finished (no Certificate)";
        }

        String zeroRtt() throws Exception
        {
            Path session = directory.resolve("zerortt-session.pem");
            Path tp = directory.resolve("zerortt-tp.pem");
            Files.deleteIfExists(session);
            Files.deleteIfExists(tp);
            List<String> flags = List.of("--exit-on-all-streams-close", "--session-file=" + session, "--tp-file=" + tp);
            Gtls first = gtls("zerortt-1", flags, url(10 * KIB));
            String failure = failure(first, 10 * KIB);
            if (failure != null)
                return failure;
            Gtls second = gtls("zerortt-2", flags, url(10 * KIB + 2));
            failure = failure(second, 10 * KIB + 2);
            if (failure != null)
                return failure;
            if (!REQUEST_IN_0RTT.matcher(second.output()).find())
                return FAIL + ": the client sent no request in 0-RTT (no usable ticket or transport parameters)";
            if (second.output().contains("Early data was rejected by server"))
                return FAIL + ": client: \"Early data was rejected by server\"";
            return PASS + ": request sent in 0-RTT, early data not rejected, body byte-exact";
        }

        String keyUpdate() throws Exception
        {
            Gtls run = gtls("keyupdate", List.of("--exit-on-all-streams-close", "--key-update=100ms"), url(2L * MIB));
            String failure = failure(run, 2L * MIB);
            if (failure != null)
                return failure;
            int update = run.output().indexOf("Initiate key update");
            if (update < 0)
                return FAIL + ": the client logged no \"Initiate key update\" (transfer over before 100 ms?)";
            // Any connection id of the client's: a server may have switched to one the client issued.
            if (!java.util.regex.Pattern.compile("pkt rx pkn=\\d+ dcid=0x[0-9a-f]+ type=1RTT k=1").matcher(run.output().substring(update)).find())
                return FAIL + ": no 1-RTT packet from the server in key phase 1 after the update";
            return PASS + ": client updated keys mid-transfer, server answered in key phase 1, 2 MiB byte-exact";
        }

        String chacha20() throws Exception
        {
            Gtls run = gtls("chacha20", List.of("--exit-on-all-streams-close", "--ciphers=NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+CHACHA20-POLY1305"),
                url(256 * KIB));
            String failure = failure(run, 256 * KIB);
            if (failure != null)
                return failure;
            byte[] serverHello = run.cryptoData("Initial");
            if (serverHello.length < 40 || serverHello[0] != 2)
                return FAIL + ": no ServerHello in the client's Initial CRYPTO dump";
            int suite = 4 + 2 + 32 + 1 + serverHello[38];
            String chosen = HexFormat.of().formatHex(serverHello, suite, suite + 2);
            if (!chosen.equals("1303"))
                return FAIL + ": ServerHello cipher suite 0x" + chosen;
            return PASS + ": ServerHello picks TLS_CHACHA20_POLY1305_SHA256 (0x1303), 256 KiB byte-exact";
        }

        String migration() throws Exception
        {
            Gtls run = gtls("migration", List.of("--exit-on-all-streams-close", "--change-local-addr=100ms"), url(2L * MIB));
            String failure = failure(run, 2L * MIB);
            if (failure != null)
                return failure;
            String newPort = run.newLocalPort();
            if (newPort == null)
                return FAIL + ": the client did not move (\"Local address is now\" missing)";
            if (!run.output().contains("Path validation against path {local:[127.0.0.1]:" + newPort))
                return FAIL + ": no validated path for the new port " + newPort;
            int frames = run.streamFramesReceivedAfterMove(newPort);
            if (frames < 100)
                return FAIL + ": only " + frames + " STREAM frames received on the new path";
            return PASS + ": new path validated, " + frames + " STREAM frames received on it, 2 MiB byte-exact";
        }

        String rebinding() throws Exception
        {
            Path upload = directory.resolve("upload.bin");
            // The move comes 50 ms after the handshake; 10 MiB keeps the upload going well past it even when the
            // machine is fast (5 MiB has been seen to end within 200 ms, leaving too few packets on the new port to judge).
            int length = 10 * MIB;
            try (OutputStream out = Files.newOutputStream(upload))
            {
                for (long written = 0; written < length; written += Pattern.BLOCK.length)
                    out.write(Pattern.BLOCK);
            }
            Gtls run = gtls("rebinding", List.of("--exit-on-all-streams-close", "--change-local-addr=50ms", "--nat-rebinding", "-m", "POST",
                "--data=" + upload), "https://127.0.0.1:" + server.port() + "/bytes");
            if (!run.finished() || run.exit() != 0)
                return failure(run);
            String status = run.status();
            Path answer = run.directory().resolve("bytes");
            String body = Files.exists(answer) ? Files.readString(answer).strip() : "";
            int move = run.output().indexOf("Local address is now");
            if ("404".equals(status) || "405".equals(status))
            {
                // Caddy's file_server reads no upload, and gtlsclient shows a rebinding only while it sends.
                return NA + ": no upload endpoint (" + status + " to POST, answered " + (move < 0 ? "before the client rebound" : "after the rebinding") +
                    "); gtlsclient can show a rebinding only while it sends";
            }
            if (move < 0)
                return FAIL + ": the client did not rebind";
            String after = run.output().substring(move);
            if (!"200".equals(status))
                return FAIL + ": response " + status + " to the upload";
            if (!body.equals(Pattern.sha256(length) + " " + length))
                return FAIL + ": the server read another body: " + body;
            if (!java.util.regex.Pattern.compile("frm tx \\d+ 1RTT STREAM\\(0x0[8-f]\\) id=0x0 ").matcher(after).find())
                return FAIL + ": the upload was over before the rebinding";
            if (java.util.regex.Pattern.compile("frm tx \\d+ 1RTT PATH_CHALLENGE").matcher(after).find())
                return FAIL + ": the client validated the new path itself: a migration, not a NAT rebinding";
            if (!java.util.regex.Pattern.compile("frm rx \\d+ 1RTT PATH_CHALLENGE").matcher(after).find())
                return FAIL + ": the server sent no PATH_CHALLENGE to the new address";
            int packets = run.packetsReceivedOn(run.newLocalPort());
            if (packets <= 10)
                return FAIL + ": only " + packets + " server packets reached the new port";
            return PASS + ": server validated the new port (PATH_CHALLENGE), " + packets + " packets there, " + length / MIB + " MiB upload SHA-256 equal";
        }

        String versionNegotiation() throws Exception
        {
            Gtls run = gtls("vn", List.of("--exit-on-all-streams-close", "-v", "0x1a2a3a4a"), url(10 * KIB));
            if (!run.output().contains("version=0x1a2a3a4a type=Initial"))
                return FAIL + ": the client sent no Initial with version 0x1a2a3a4a";
            if (!run.output().contains("type=VN"))
                return FAIL + ": no Version Negotiation packet";
            List<String> offered = run.offeredVersions();
            if (!offered.contains("0x00000001"))
                return FAIL + ": Version Negotiation offers " + offered;
            // gtlsclient 0.12 ends there (ERR_RECV_VERSION_NEGOTIATION) instead of connecting again with v1.
            return PASS + ": an unknown-version Initial gets VN offering " + String.join(", ", offered);
        }

        String quicV2() throws Exception
        {
            Gtls run = gtls("v2", List.of("--exit-on-all-streams-close", "-v", "0x6b3343cf"), url(10 * KIB));
            List<String> offered = run.offeredVersions();
            if (!offered.isEmpty() && !offered.contains("0x6b3343cf"))
                return UNSUPPORTED + ": a v2 Initial gets VN offering " + String.join(", ", offered) + " only";
            String failure = failure(run, 10 * KIB);
            if (failure != null)
                return failure;
            if (offered.isEmpty() && run.output().contains("version=0x6b3343cf type=Handshake"))
                return PASS + ": handshake in QUIC v2";
            return FAIL + ": neither a v2 handshake nor a VN in the client's log";
        }

        String handshakeLoss() throws Exception
        {
            int lost = 0;
            for (int seed = 0; seed < 3; seed++)
            {
                try (Relay relay = new Relay(server.port(), Relay.Mode.DROP, 0.3, 10 + seed))
                {
                    Gtls run = gtls("hsloss" + seed, relay.port(), List.of("--exit-on-all-streams-close", "--handshake-timeout=60s", "--timeout=60s"),
                        List.of(url(10 * KIB + seed)));
                    String failure = failure(run, 10 * KIB + seed);
                    if (failure != null)
                        return failure + " (run " + (seed + 1) + " of 3)";
                    if (!run.output().contains("QUIC handshake has completed"))
                        return FAIL + ": no completed handshake in run " + (seed + 1);
                    lost += relay.affected();
                }
            }
            if (lost == 0)
                return FAIL + ": the relay dropped nothing";
            return PASS + ": 3 connections, " + lost + " datagrams dropped, 10 KiB each byte-exact";
        }

        String handshakeCorruption() throws Exception
        {
            int corrupted = 0;
            for (int seed = 0; seed < 3; seed++)
            {
                try (Relay relay = new Relay(server.port(), Relay.Mode.CORRUPT, 0.3, 20 + seed))
                {
                    Gtls run = gtls("hscorrupt" + seed, relay.port(), List.of("--exit-on-all-streams-close", "--handshake-timeout=60s", "--timeout=60s"),
                        List.of(url(10 * KIB + seed)));
                    String failure = failure(run, 10 * KIB + seed);
                    if (failure != null)
                        return failure + " (run " + (seed + 1) + " of 3)";
                    corrupted += relay.affected();
                }
            }
            if (corrupted == 0)
                return FAIL + ": the relay corrupted nothing";
            return PASS + ": 3 connections, " + corrupted + " datagrams with a flipped byte, 10 KiB each byte-exact";
        }

        String transferLoss() throws Exception
        {
            try (Relay relay = new Relay(server.port(), Relay.Mode.DROP, 0.1, 98))
            {
                Gtls run = gtls("transferloss", relay.port(), List.of("--exit-on-all-streams-close", "--timeout=120s", "--quiet"), List.of(url(5L * MIB)));
                String failure = failure(run, 5L * MIB);
                if (failure != null)
                    return failure;
                if (relay.affected() < 100)
                    return FAIL + ": only " + relay.affected() + " datagrams dropped";
                return PASS + ": 5 MiB byte-exact, " + relay.affected() + " datagrams dropped";
            }
        }

        String transferCorruption() throws Exception
        {
            try (Relay relay = new Relay(server.port(), Relay.Mode.CORRUPT, 0.1, 99))
            {
                Gtls run = gtls("transfercorrupt", relay.port(), List.of("--exit-on-all-streams-close", "--timeout=120s", "--quiet"), List.of(url(5L * MIB)));
                String failure = failure(run, 5L * MIB);
                if (failure != null)
                    return failure;
                if (relay.affected() < 100)
                    return FAIL + ": only " + relay.affected() + " datagrams corrupted";
                return PASS + ": 5 MiB byte-exact, " + relay.affected() + " datagrams with a flipped byte";
            }
        }

        /** @param configuredSeconds the server's configured idle timeout, or -1 when it has none (Caddy: quic-go's default) */
        String idleTimeout(int configuredSeconds) throws Exception
        {
            long begin = System.nanoTime();
            // No --exit-on-all-streams-close: the client keeps the connection open; its own idle timeout is 120 s.
            Gtls run = gtls("idle", List.of("--timeout=120s"), url(10 * KIB));
            long seconds = Duration.ofNanos(System.nanoTime() - begin).toSeconds();
            String advertised = run.serverTransportParameter("max_idle_timeout", null);
            if (advertised == null)
                return FAIL + ": no max_idle_timeout in the client's log";
            // Whichever fires first: the client's idle timer (the minimum of both sides' values), or the server's idle
            // close (h3connector sends an HTTP/3 CONNECTION_CLOSE, H3_NO_ERROR with reason idle_timeout, just before it).
            boolean clientClosed = run.output().contains("ERR_IDLE_CLOSE");
            boolean serverClosed = run.output().contains("CONNECTION_CLOSE(0x1d) error_code=(unknown)(0x100) frame_type=0 reason_len=12 reason=[idle_timeout]");
            if (!clientClosed && !serverClosed)
                return FAIL + ": the connection did not close on the idle timeout (" + run.lastLine() + ")";
            String closed = clientClosed ? "client closed on idle" : "server closed on idle (CONNECTION_CLOSE idle_timeout)";
            String download = run.downloadProblem(10 * KIB);
            if (download != null)
                return FAIL + ": " + download;
            if (configuredSeconds < 0)
                return NA + ": not configurable; advertises " + advertised + " ms (quic-go's default), " + closed + " after ~" + seconds + " s";
            if (!advertised.equals(String.valueOf(configuredSeconds * 1000)))
                return FAIL + ": advertises " + advertised + " ms, configured " + configuredSeconds * 1000 + " ms";
            return PASS + ": configured " + configuredSeconds + " s, advertised " + advertised + " ms, " + closed + " after ~" + seconds + " s";
        }

        String ecn() throws Exception
        {
            Gtls run = gtls("ecn", List.of("--exit-on-all-streams-close"), url(256 * KIB));
            String failure = failure(run, 256 * KIB);
            if (failure != null)
                return failure;
            if (run.output().contains("path is not ECN capable"))
                return UNSUPPORTED + ": client: \"path is not ECN capable\" (no ECN marks fed back)";
            if (run.output().contains("path is ECN capable"))
                return PASS + ": client: \"path is ECN capable\"";
            return FAIL + ": the client logged no ECN validation result";
        }

        /**
         * gtlsclient cannot add headers, so Jetty's HTTP/3 client sends them, told to ignore the limit the server
         * advertised (as a client that does not read SETTINGS would): 1 KiB, then a 12 000-byte header, then 1 KiB again,
         * all on one connection.
         */
        String oversizedHeaders() throws Exception
        {
            QuicheClientQuicConfiguration quic = HTTP3ClientQuicConfiguration.configure(new QuicheClientQuicConfiguration());
            ClientConnector connector = new ClientConnector();
            connector.setSslContextFactory(new SslContextFactory.Client(true));
            connector.setReceiveBufferSize(4 << 20);
            HTTP3Client client = new HTTP3Client(quic, connector);
            // Jetty 12.1.5's client fails with a dynamic table; a limit far above the server's so that it sends the header.
            client.getHTTP3Configuration().setMaxDecoderTableCapacity(0);
            client.getHTTP3Configuration().setMaxRequestHeadersSize(1 << 20);
            try
            {
                client.start();
                CompletableFuture<SettingsFrame> settings = new CompletableFuture<>();
                CompletableFuture<Session.Client> connected = new CompletableFuture<>();
                client.connect(new QuicheTransport(quic), new InetSocketAddress("127.0.0.1", server.port()), new Session.Client.Listener()
                {
                    @Override
                    public void onSettings(Session session, SettingsFrame frame)
                    {
                        settings.complete(frame);
                    }
                }, Promise.Invocable.from(Invocable.InvocationType.NON_BLOCKING, connected::complete, connected::completeExceptionally));
                Session.Client session = connected.get(10, TimeUnit.SECONDS);
                Long advertised = settings.get(10, TimeUnit.SECONDS).getSettings().get(SettingsFrame.MAX_FIELD_SECTION_SIZE);
                ((ClientHTTP3Session)((HTTP3SessionClient)session).getProtocolSession()).getQpackEncoder().setMaxHeadersSize(1 << 20);
                String limit = advertised == null ? "no SETTINGS_MAX_FIELD_SECTION_SIZE" : "SETTINGS_MAX_FIELD_SECTION_SIZE " + advertised;
                String first = get(session, 1024, 0);
                if (!first.equals("200 " + Pattern.sha256(1024)))
                    return FAIL + ": first request: " + first;
                String oversized;
                try
                {
                    oversized = get(session, 1025, 12_000);
                }
                catch (Exception x)
                {
                    return FAIL + ": the 12 000-byte header failed the request (" + oneLine(x) + "); " + limit;
                }
                String third;
                try
                {
                    third = get(session, 1026, 0);
                }
                catch (Exception x)
                {
                    return FAIL + ": 12 000-byte header got " + oversized.split(" ")[0] + ", then the connection failed (" + oneLine(x) + ")";
                }
                if (!third.equals("200 " + Pattern.sha256(1026)))
                    return FAIL + ": request after the oversized one: " + third;
                if (!oversized.startsWith("431"))
                    return (advertised == null ? NA : FAIL) + ": " + limit + "; a 12 000-byte header got " + oversized.split(" ")[0] +
                        " (no limit reached), the next request 200";
                return PASS + ": " + limit + "; a 12 000-byte header got 431, the next request on the connection 200";
            }
            finally
            {
                LifeCycle.stop(client);
            }
        }

        /** @return status and, for 200, the body's SHA-256 */
        private String get(Session.Client session, long bytes, int padding) throws Exception
        {
            HttpFields.Mutable fields = HttpFields.build();
            if (padding > 0)
                fields.put("x-padding", "p".repeat(padding));
            MetaData.Request request = new MetaData.Request("GET", HttpURI.from(url(bytes)), HttpVersion.HTTP_3, fields);
            CompletableFuture<String> result = new CompletableFuture<>();
            java.security.MessageDigest digest = Pattern.sha256();
            int[] status = new int[1];
            session.newRequest(new HeadersFrame(request, true), new Stream.Client.Listener()
            {
                @Override
                public void onResponse(Stream.Client stream, HeadersFrame frame)
                {
                    status[0] = ((MetaData.Response)frame.getMetaData()).getStatus();
                    if (frame.isLast())
                        result.complete(String.valueOf(status[0]));
                    else
                        stream.demand();
                }

                @Override
                public void onDataAvailable(Stream.Client stream)
                {
                    while (true)
                    {
                        Content.Chunk chunk = stream.read();
                        if (chunk == null)
                        {
                            stream.demand();
                            return;
                        }
                        if (Content.Chunk.isFailure(chunk))
                        {
                            result.completeExceptionally(chunk.getFailure());
                            return;
                        }
                        digest.update(chunk.getByteBuffer());
                        chunk.release();
                        if (chunk.isLast())
                        {
                            result.complete(status[0] == 200 ? "200 " + HexFormat.of().formatHex(digest.digest()) : String.valueOf(status[0]));
                            return;
                        }
                    }
                }

                @Override
                public void onFailure(Stream.Client stream, long error, Throwable failure)
                {
                    result.completeExceptionally(failure);
                }
            }, Promise.Invocable.noop());
            return result.get(20, TimeUnit.SECONDS);
        }
    }

    /** One gtlsclient run: its download directory and its log. */
    private record Gtls(Path directory, Path log, String output, int exit, boolean finished)
    {
        String lastLine()
        {
            String[] lines = output.strip().split("\n");
            String last = lines.length == 0 ? "" : lines[lines.length - 1].strip();
            for (int i = lines.length - 1; i >= 0 && i >= lines.length - 200; i--)
            {
                if (lines[i].contains("ERR_") || lines[i].contains("rror"))
                {
                    last = lines[i].strip();
                    break;
                }
            }
            last = last.replace("|", "/");
            return "client: " + (last.length() > 140 ? last.substring(0, 140) + "…" : last);
        }

        /** @return null when {@code bytes?n=SIZE} was downloaded whole (size and SHA-256 of the pattern), else why not */
        String downloadProblem(long size) throws IOException
        {
            Path file = directory.resolve("bytes?n=" + size);
            if (!Files.exists(file))
                return "no body for /bytes?n=" + size + " (" + lastLine() + ")";
            if (Files.size(file) != size)
                return "/bytes?n=" + size + " has " + Files.size(file) + " bytes";
            java.security.MessageDigest digest = Pattern.sha256();
            try (InputStream in = Files.newInputStream(file))
            {
                byte[] buffer = new byte[1 << 16];
                for (int read = in.read(buffer); read >= 0; read = in.read(buffer))
                    digest.update(buffer, 0, read);
            }
            if (!HexFormat.of().formatHex(digest.digest()).equals(Pattern.sha256(size)))
                return "/bytes?n=" + size + ": SHA-256 differs";
            return null;
        }

        String serverTransportParameter(String name, String otherwise)
        {
            Matcher matcher = java.util.regex.Pattern.compile("cry remote transport_parameters " + name + "=(\\S+)").matcher(output);
            return matcher.find() ? matcher.group(1) : otherwise;
        }

        String status()
        {
            Matcher matcher = java.util.regex.Pattern.compile("\\[:status: (\\d+)\\]").matcher(output);
            return matcher.find() ? matcher.group(1) : "(none)";
        }

        List<String> offeredVersions()
        {
            Matcher matcher = java.util.regex.Pattern.compile("pkt rx \\d+ VN v=(0x[0-9a-f]+)").matcher(output);
            return matcher.results().map(result -> result.group(1)).distinct().toList();
        }

        byte[] cryptoData(String level)
        {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            boolean inDump = false;
            for (String line : output.split("\n"))
            {
                if (line.startsWith("Ordered CRYPTO data in "))
                {
                    inDump = line.startsWith("Ordered CRYPTO data in " + level + " crypto level");
                    continue;
                }
                Matcher matcher = HEX_LINE.matcher(line);
                if (inDump && matcher.find())
                {
                    for (String hex : matcher.group(1).trim().split(" +"))
                        bytes.write(Integer.parseInt(hex, 16));
                }
                else
                {
                    inDump = false;
                }
            }
            return bytes.toByteArray();
        }

        List<Integer> serverHandshakeMessages()
        {
            byte[] data = cryptoData("Handshake");
            List<Integer> types = new ArrayList<>();
            for (int i = 0; i + 4 <= data.length; i += 4 + (((data[i + 1] & 0xFF) << 16) | ((data[i + 2] & 0xFF) << 8) | (data[i + 3] & 0xFF)))
                types.add(data[i] & 0xFF);
            return types;
        }

        String newLocalPort()
        {
            Matcher matcher = java.util.regex.Pattern.compile("Local address is now \\[127\\.0\\.0\\.1\\]:(\\d+)").matcher(output);
            return matcher.find() ? matcher.group(1) : null;
        }

        int packetsReceivedOn(String port)
        {
            if (port == null)
                return 0;
            String prefix = "Received packet: local=[127.0.0.1]:" + port + " ";
            return (int)output.lines().filter(line -> line.startsWith(prefix)).count();
        }

        int streamFramesReceivedAfterMove(String port)
        {
            String after = output.substring(output.indexOf("Local address is now"));
            int frames = 0;
            boolean onNewPath = false;
            for (String line : after.split("\n"))
            {
                if (line.startsWith("Received packet: "))
                    onNewPath = line.startsWith("Received packet: local=[127.0.0.1]:" + port + " ");
                else if (onNewPath && line.contains(" frm rx ") && line.contains(" STREAM("))
                    frames++;
            }
            return frames;
        }
    }

    private static int count(String text, String what)
    {
        int count = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + what.length()))
            count++;
        return count;
    }

    private static void deleteTree(Path path) throws IOException
    {
        if (!Files.exists(path))
            return;
        try (var walk = Files.walk(path))
        {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList())
                Files.delete(p);
        }
    }

    // ---- servers ----

    /** A server process on one loopback port (TCP and UDP); stopped with SIGTERM, then killed. */
    private record Running(String label, Process process, int port, Path log) implements AutoCloseable
    {
        @Override
        public void close() throws InterruptedException
        {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Starts {@code command} in {@code workDirectory}; ready once a line of its output contains {@code ready}. */
    private Running startProcess(String label, List<String> command, Path workDirectory, Map<String, String> environment, String ready, int port)
        throws Exception
    {
        Files.createDirectories(workDirectory);
        Path log = logs.resolve("server-" + label + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDirectory.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        Process process = builder.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline)
        {
            String output = Files.readString(log, StandardCharsets.ISO_8859_1);
            if (output.contains(ready))
            {
                System.out.println("   started " + label + " on port " + port);
                return new Running(label, process, port, log);
            }
            if (!process.isAlive())
                throw new IOException(label + " exited " + process.exitValue() + "; see " + log);
            Thread.sleep(100);
        }
        process.destroyForcibly();
        throw new IOException(label + " not ready after 60 s; see " + log);
    }

    private Running startDemo(String label, String javaHome, String demoJar, boolean retry) throws Exception
    {
        int port = freePort();
        List<String> command = new ArrayList<>(List.of(Path.of(javaHome, "bin", "java").toString(), "-Xmx1g", "-jar",
            Path.of(demoJar).toAbsolutePath().toString(), "--port", String.valueOf(port), "--early-data"));
        command.addAll(retry ? List.of("--retry=always", "--idle-timeout=" + SHORT_IDLE_SECONDS) : List.of("--idle-timeout=" + IDLE_SECONDS));
        // The demo makes its self-signed certificate in its working directory.
        return startProcess(label, command, logs.resolve("demo"), Map.of(), "h3connector demo:", port);
    }

    /**
     * The Jetty distribution on the host, as the it-tests' Docker image builds it: jetty-home unpacked, a jetty-base
     * with the module zip unpacked and {@code --add-modules=h3connector,ee10-deploy}, a keystore made by keytool, and
     * the demo's {@code BytesServlet} as the ROOT webapp.
     */
    private Running startJetty(String label, String javaHome, boolean retry) throws Exception
    {
        Path base = jettyBase(javaHome);
        Path home = logs.resolve("jetty-home-12.1.5");
        int port = freePort();
        List<String> command = new ArrayList<>(List.of(Path.of(javaHome, "bin", "java").toString(), "-Xmx1g", "-jar", home.resolve("start.jar").toString(),
            "jetty.home=" + home, "jetty.base=" + base, "jetty.ssl.port=" + port, "jetty.h3connector.earlyData=true"));
        command.addAll(retry ? List.of("jetty.h3connector.retry=ALWAYS", "jetty.quic.idleTimeout=" + SHORT_IDLE_SECONDS * 1000)
            : List.of("jetty.quic.idleTimeout=" + IDLE_SECONDS * 1000));
        return startProcess(label, command, base, Map.of(), "Started oejs.Server", port);
    }

    private Path jettyBase;

    private Path jettyBase(String javaHome) throws Exception
    {
        if (jettyBase != null)
            return jettyBase;
        Path home = logs.resolve("jetty-home-12.1.5");
        if (!Files.exists(home.resolve("start.jar")))
            exec(logs, "tar", "xzf", Path.of(options.get("jetty-home")).toAbsolutePath().toString(), "-C", logs.toString());
        Path base = logs.resolve("jetty-base");
        deleteTree(base);
        Files.createDirectories(base);
        unzip(Path.of(options.get("module-zip")), base);
        exec(base, Path.of(javaHome, "bin", "java").toString(), "-jar", home.resolve("start.jar").toString(), "jetty.home=" + home, "jetty.base=" + base,
            "--approve-all-licenses", "--add-modules=h3connector,ee10-deploy");
        exec(base, Path.of(javaHome, "bin", "keytool").toString(), "-genkeypair", "-alias", "jetty", "-keyalg", "EC", "-groupname", "secp256r1",
            "-validity", "3650", "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-keystore", base.resolve("etc/keystore.p12").toString(),
            "-storetype", "PKCS12", "-storepass", "storepwd", "-keypass", "storepwd");
        Files.writeString(base.resolve("start.d/zz-interop.ini"), """
            jetty.sslContext.keyStorePath=etc/keystore.p12
            jetty.sslContext.keyStoreType=PKCS12
            jetty.sslContext.keyStorePassword=storepwd
            jetty.sslContext.keyManagerPassword=storepwd
            # gtlsclient sends no SNI for an IP address
            jetty.ssl.sniHostCheck=false
            """);
        Path classes = base.resolve("webapps/ROOT/WEB-INF/classes/io/github/h3connector/demo");
        Files.createDirectories(classes);
        // The servlet class as the demo jar carries it: no second build output to point at.
        try (java.util.zip.ZipFile demo = new java.util.zip.ZipFile(options.get("demo-jar")))
        {
            java.util.zip.ZipEntry entry = demo.getEntry("io/github/h3connector/demo/BytesServlet.class");
            if (entry == null)
                throw new IOException(options.get("demo-jar") + " has no io/github/h3connector/demo/BytesServlet.class");
            try (InputStream in = demo.getInputStream(entry))
            {
                Files.copy(in, classes.resolve("BytesServlet.class"));
            }
        }
        Files.writeString(base.resolve("webapps/ROOT/WEB-INF/web.xml"), """
            <?xml version="1.0" encoding="UTF-8"?>
            <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
              <servlet><servlet-name>bytes</servlet-name><servlet-class>io.github.h3connector.demo.BytesServlet</servlet-class></servlet>
              <servlet-mapping><servlet-name>bytes</servlet-name><url-pattern>/bytes</url-pattern></servlet-mapping>
            </web-app>
            """);
        jettyBase = base;
        return base;
    }

    /** Unpacks {@code zip} into {@code directory} as {@code unzip} would, refusing entries that point outside it. */
    private static void unzip(Path zip, Path directory) throws IOException
    {
        Path root = directory.toAbsolutePath().normalize();
        try (java.util.zip.ZipFile file = new java.util.zip.ZipFile(zip.toFile()))
        {
            for (java.util.zip.ZipEntry entry : java.util.Collections.list(file.entries()))
            {
                Path target = root.resolve(entry.getName()).normalize();
                if (!target.startsWith(root))
                    throw new IOException(zip + ": entry " + entry.getName() + " points outside " + root);
                if (entry.isDirectory())
                {
                    Files.createDirectories(target);
                    continue;
                }
                Files.createDirectories(target.getParent());
                try (InputStream in = file.getInputStream(entry))
                {
                    Files.copy(in, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void exec(Path directory, String... command) throws Exception
    {
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0)
            throw new IOException(String.join(" ", command) + " failed: " + output);
    }

    /**
     * Caddy with a generated Caddyfile: HTTPS on loopback with a certificate of the demo's, {@code file_server} of pattern
     * files, {@code /bytes?n=N} rewritten to the file of N bytes (Caddy cannot generate bodies).
     */
    private Running startCaddy(String label, String caddy) throws Exception
    {
        Path dir = logs.resolve("caddy");
        Path www = dir.resolve("www").resolve("f");
        Files.createDirectories(www);
        List<Long> sizes = new ArrayList<>(List.of(10L * KIB, 10L * KIB + 1, 10L * KIB + 2, 1024L, 1025L, 1026L, 256L * KIB, (long)MIB, 2L * MIB, 5L * MIB, largeTransfer));
        for (int i = 0; i < 3; i++)
            sizes.add(10L * KIB + i);
        for (int i = 0; i < 300; i++)
            sizes.add(1000L + i);
        for (long size : sizes)
            writePattern(www.resolve(String.valueOf(size)), size);
        Path keyStore = dir.resolve("key.p12");
        if (!Files.exists(keyStore))
            exec(dir, "keytool", "-genkeypair", "-alias", "caddy", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "3650", "-dname", "CN=localhost",
                "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-keystore", keyStore.toString(), "-storetype", "PKCS12", "-storepass", BenchServer.PASSWORD,
                "-keypass", BenchServer.PASSWORD);
        writePem(keyStore, dir.resolve("cert.pem"), dir.resolve("key.pem"));
        int port = freePort();
        String caddyfile = """
            {
            	admin off
            	auto_https off
            	servers {
            		protocols h1 h2 h3
            	}
            }
            https://127.0.0.1:%d {
            	bind 127.0.0.1
            	tls %s %s
            	rewrite /bytes /f/{query.n}
            	root * %s
            	file_server
            }
            """.formatted(port, dir.resolve("cert.pem"), dir.resolve("key.pem"), dir.resolve("www"));
        Files.writeString(dir.resolve("Caddyfile"), caddyfile);
        Map<String, String> environment = Map.of("HOME", dir.toString(), "XDG_DATA_HOME", dir.resolve("data").toString(),
            "XDG_CONFIG_HOME", dir.resolve("config").toString());
        return startProcess(label, List.of(caddy, "run", "--config", dir.resolve("Caddyfile").toString(), "--adapter", "caddyfile"), dir, environment,
            "serving initial configuration", port);
    }

    private static void writePattern(Path file, long size) throws IOException
    {
        if (Files.exists(file) && Files.size(file) == size)
            return;
        try (OutputStream out = Files.newOutputStream(file))
        {
            for (long written = 0; written < size; written += Pattern.BLOCK.length)
                out.write(Pattern.BLOCK, 0, (int)Math.min(Pattern.BLOCK.length, size - written));
        }
    }

    private static void writePem(Path keyStore, Path cert, Path key) throws Exception
    {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore))
        {
            store.load(in, BenchServer.PASSWORD.toCharArray());
        }
        String alias = store.aliases().nextElement();
        Base64.Encoder base64 = Base64.getMimeEncoder(64, new byte[]{'\n'});
        Files.writeString(cert, "-----BEGIN CERTIFICATE-----\n" + base64.encodeToString(store.getCertificate(alias).getEncoded()) + "\n-----END CERTIFICATE-----\n");
        Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n" + base64.encodeToString(store.getKey(alias, BenchServer.PASSWORD.toCharArray()).getEncoded()) + "\n-----END PRIVATE KEY-----\n");
    }

    private static int freePort() throws IOException
    {
        for (int attempt = 1; ; attempt++)
        {
            try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
                 ServerSocket tcp = new ServerSocket(udp.getLocalPort(), 50, InetAddress.getByName("127.0.0.1")))
            {
                return udp.getLocalPort();
            }
            catch (BindException x)
            {
                if (attempt == 10)
                    throw x;
            }
        }
    }

    private static String caddyVersion(String caddy)
    {
        try
        {
            Process p = new ProcessBuilder(caddy, "version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            p.waitFor();
            return out.isEmpty() ? "?" : out.split("\\s+")[0];
        }
        catch (IOException | InterruptedException x)
        {
            return "(not found)";
        }
    }

    private static String javaVersion(String javaHome)
    {
        if (javaHome == null)
            return "(no JDK given)";
        try
        {
            Process p = new ProcessBuilder(Path.of(javaHome, "bin", "java").toString(), "-version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            p.waitFor();
            return out.lines().filter(line -> line.contains("Runtime Environment")).findFirst().orElse(out.lines().findFirst().orElse("?")).strip();
        }
        catch (IOException | InterruptedException x)
        {
            return "(java not found in " + javaHome + ")";
        }
    }

    // ---- the document ----

    private String document(List<TargetResult> results, long seconds)
    {
        String date = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC).format(Instant.now());
        StringBuilder doc = new StringBuilder();
        doc.append("# QUIC interop matrix\n\n")
            .append("<!-- Generated by benchmarks/interop.sh (io.github.h3connector.bench.InteropRunner); do not edit by hand. -->\n\n")
            .append("The server-side cases of the [QUIC Interop Runner](https://interop.seemann.io), driven by ngtcp2's `gtlsclient` ")
            .append("(and, for the oversized header section, Jetty's HTTP/3 client) against each server in its own process on loopback. ")
            .append("Every cell is decided from what the client logged (transport parameters, TLS handshake messages, packet headers, paths), ")
            .append("and every body by its size and SHA-256, not from exit codes alone; the reason in each cell is taken from that log.\n\n")
            .append("- Run: ").append(date).append(", ").append(seconds / 60).append(" min ").append(seconds % 60).append(" s for the whole matrix ")
            .append("on a shared 2-core machine.\n")
            .append("- Client: ").append(options.getOrDefault("gtls-version", "gtlsclient ?")).append(" (Debian `ngtcp2-client`, GnuTLS).\n")
            .append("- Reproduce: `benchmarks/interop.sh` (builds the connector, the demo and the benchmarks, then runs every case and rewrites this file; ")
            .append("`SKIP_BUILD=1` to only run). Client logs: `benchmarks/target/interop/<server>/<case>.log`; server logs: `benchmarks/target/interop/server-*.log`.\n")
            .append("- In `mvn verify`: `InteropIT` (benchmarks module, failsafe) runs these same cases, the same code, against the four h3connector ")
            .append("targets (not Caddy), and fails the build unless every cell is a pass, ")
            .append("except QUIC v2 and ECN, which must be exactly the \"unsupported\" outcome shown here.\n\n");
        doc.append("## Matrix\n\n| case |");
        for (TargetResult result : results)
            doc.append(' ').append(result.label()).append(" |");
        doc.append("\n|---|");
        doc.append("---|".repeat(results.size()));
        doc.append('\n');
        for (String name : CASES)
        {
            String caseName = name.equals("transfer") ? "transfer (1 MiB, " + largeTransfer / MIB + " MiB)" : CASE_NAMES.get(name);
            doc.append("| ").append(caseName).append(" |");
            for (TargetResult result : results)
                doc.append(' ').append(format(result.cells().get(name).text())).append(" |");
            doc.append('\n');
        }
        doc.append("\nEach cell is one run. The cases that depend on timing (migration, loss, corruption) can differ from run to run; ")
            .append("a **fail** is that run's real outcome, its client log under `benchmarks/target/interop/<server>/`.\n");
        doc.append("\n## Servers\n\n");
        for (TargetResult result : results)
            doc.append("- **").append(result.label()).append("**: ").append(result.notes()).append('\n');
        doc.append("""

            ## What each case checks

            | case | client command (besides `--download`, host, port) | passes when the client's log shows |
            |---|---|---|
            | handshake | `--exit-on-all-streams-close URL(10 KiB)` | "QUIC handshake has completed", body byte-exact |
            | transfer | `--quiet`, 1 MiB, then the large body (64 MiB here, `--large-mib`; the demo serves up to 1 GiB) | each body's size and SHA-256 |
            | multiplexing | 300 URLs of distinct sizes (1000–1299 bytes) on one command line | 300 bodies byte-exact, one handshake: one connection |
            | retry | against a second instance configured `always` (demo `--retry=always`, module `jetty.h3connector.retry=ALWAYS`) | a received `type=Retry` packet, then the download |
            | resumption | two runs sharing `--session-file`, `--disable-early-data` (gtlsclient 0.12 crashes resuming an early-data ticket without `--tp-file`) | the second handshake's server messages are EncryptedExtensions, Finished: no Certificate |
            | zerortt | two runs sharing `--session-file` and `--tp-file` (servers started with 0-RTT on) | the request went in a 0-RTT STREAM frame and no "Early data was rejected by server" |
            | keyupdate | `--key-update=100ms`, 2 MiB | "Initiate key update", then server 1-RTT packets with `k=1` |
            | chacha20 | `--ciphers=…:-CIPHER-ALL:+CHACHA20-POLY1305`, 256 KiB | ServerHello cipher suite 0x1303 (from the Initial CRYPTO dump) |
            | migration | `--change-local-addr=100ms`, 2 MiB | "Path validation against path {local:…:NEW}", > 100 STREAM frames received on the new port |
            | NAT rebinding | `--change-local-addr=50ms --nat-rebinding -m POST --data=10 MiB` to `/bytes` (the demo's `POST /bytes` answers the body's SHA-256) | the upload continued after the move, the client sent no PATH_CHALLENGE, the server did, > 10 server packets on the new port, SHA-256 as the server read it |
            | version negotiation | `-v 0x1a2a3a4a` | an Initial of that version, then a VN packet offering 0x00000001 (gtlsclient 0.12 then stops: `ERR_RECV_VERSION_NEGOTIATION`) |
            | QUIC v2 | `-v 0x6b3343cf` | a v2 handshake; "unsupported" when the VN offers v1 only |
            | handshake loss | the runner's UDP relay dropping 30 % of datagrams both ways (seeded: the n-th datagram meets the same draw on every run; drops are counted without the client's verbose log), 3 × 10 KiB | handshakes completed, bodies byte-exact, dropped datagrams > 0 |
            | handshake corruption | a UDP relay flipping one byte in 30 % of datagrams both ways, 3 × 10 KiB | bodies byte-exact, corrupted datagrams > 0 |
            | transfer loss | the relay dropping 10 %, 5 MiB | body byte-exact, > 100 dropped datagrams |
            | transfer corruption | the relay at 10 %, 5 MiB | body byte-exact, > 100 corrupted datagrams |
            | idle timeout | no `--exit-on-all-streams-close`, on the instance configured with a 5 s idle timeout | `max_idle_timeout` = the configured value, then `ERR_IDLE_CLOSE` or the server's CONNECTION_CLOSE with reason `idle_timeout`, whichever comes first |
            | oversized header section | Jetty's HTTP/3 client: 1 KiB request, a request with a 12 000-byte header (over the advertised 8 KiB), 1 KiB again, one connection | 200, 431, 200 |
            | ECN | a 256 KiB download | ngtcp2's ECN validation: "path is ECN capable"; "unsupported" on "path is not ECN capable" |

            ## What the engine cannot do

            h3connector's QUIC engine is Netty's QUIC codec over quiche; what they lack is listed here, not hidden:

            - **QUIC v2** (RFC 9369): quiche speaks QUIC v1 only; a v2 Initial gets a Version Negotiation packet offering v1.
            - **ECN**: Netty's QUIC codec neither marks outgoing datagrams nor reads the ECN bits of incoming ones, so no ECN counts are fed back.
            - **Headers beyond 4 × the limit**: a header section over 4 times the request header limit (8 KiB by default) still fails the whole connection in Jetty's QPACK decoder; up to that size the request gets 431 and the connection keeps serving (see README, "Conformance").
            """);
        return doc.toString();
    }

    private static String format(String cell)
    {
        int colon = cell.indexOf(':');
        String verdict = colon > 0 ? cell.substring(0, colon) : cell;
        String reason = colon > 0 ? cell.substring(colon + 1).strip() : "";
        String bold = verdict.equals(PASS) ? "pass" : verdict.equals(FAIL) ? "**fail**" : verdict;
        return reason.isEmpty() ? bold : bold + ": " + reason.replace("|", "/");
    }

    /**
     * A UDP relay for one client that drops, or flips a random byte in, a share of the datagrams it forwards, both ways,
     * from a seeded generator, so that a run can be repeated and its drops counted without the client's verbose log.
     */
    private static final class Relay implements AutoCloseable
    {
        enum Mode
        {
            DROP, CORRUPT
        }

        private final Mode mode;
        private final DatagramSocket clientSide = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        private final DatagramSocket serverSide = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        private final InetSocketAddress server;
        private final double share;
        private final SplittableRandom random;
        private final AtomicInteger corrupted = new AtomicInteger();
        private final List<Thread> threads = new ArrayList<>();
        private volatile SocketAddress client;

        Relay(int serverPort, Mode mode, double share, long seed) throws IOException
        {
            this.mode = mode;
            this.server = new InetSocketAddress("127.0.0.1", serverPort);
            this.share = share;
            this.random = new SplittableRandom(seed);
            clientSide.setReceiveBufferSize(4 << 20);
            serverSide.setReceiveBufferSize(4 << 20);
            threads.add(new Thread(() -> relay(clientSide, serverSide, true), "relay-from-client"));
            threads.add(new Thread(() -> relay(serverSide, clientSide, false), "relay-from-server"));
            for (Thread thread : threads)
            {
                thread.setDaemon(true);
                thread.start();
            }
        }

        int port()
        {
            return clientSide.getLocalPort();
        }

        /** @return datagrams dropped or corrupted */
        int affected()
        {
            return corrupted.get();
        }

        private void relay(DatagramSocket from, DatagramSocket to, boolean fromClient)
        {
            byte[] buffer = new byte[65536];
            try
            {
                while (true)
                {
                    DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                    from.receive(packet);
                    if (fromClient)
                        client = packet.getSocketAddress();
                    SocketAddress target = fromClient ? server : client;
                    if (target == null)
                        continue;
                    synchronized (random)
                    {
                        if (packet.getLength() > 0 && random.nextDouble() < share)
                        {
                            corrupted.incrementAndGet();
                            if (mode == Mode.DROP)
                                continue;
                            int index = random.nextInt(packet.getLength());
                            buffer[index] ^= (byte)(1 + random.nextInt(255));
                        }
                    }
                    to.send(new DatagramPacket(buffer, packet.getLength(), target));
                }
            }
            catch (IOException x)
            {
                // closed
            }
        }

        @Override
        public void close() throws InterruptedException
        {
            clientSide.close();
            serverSide.close();
            for (Thread thread : threads)
                thread.join(5000);
        }
    }
}
