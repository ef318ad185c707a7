package io.github.h3connector.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.github.h3connector.tls.SelfSignedCertificate;
import org.eclipse.jetty.client.HttpClient;

/**
 * Runs every benchmark row once, in one run on this machine, and writes docs/PERFORMANCE.md. Servers run one at a
 * time, each in its own JVM ({@link BenchServer}); the clients run in this JVM, except gtlsclient. Started by
 * {@code benchmarks/run.sh}, which builds the module and passes the JDKs and the class path.
 */
public final class BenchRunner
{
    static final long DOWNLOAD = 64L << 20;
    static final int UPLOAD = 16 << 20;
    static final int ROUNDS = 3;
    static final double SMALL_WARMUP_S = 2.0;
    static final double SMALL_ROUND_S = 1.5;
    static final long TICKS_PER_SECOND = 100; // USER_HZ; checked with getconf CLK_TCK in run.sh

    private final Map<String, String> options;
    private final String classpath;
    private final Path logs;
    private final String downloadSha = Pattern.sha256(DOWNLOAD);
    private final byte[] uploadBody = Pattern.bytes(UPLOAD);
    private final String uploadSha = Pattern.sha256(UPLOAD);
    private final String smallSha = Pattern.sha256(1024);
    private final List<String[]> bulkRows = new ArrayList<>();
    private final List<String[]> smallRows = new ArrayList<>();
    private final List<String[]> variantRows = new ArrayList<>();
    private final List<String> variantWarmups = new ArrayList<>();
    /** Medians by key, for the targets. */
    private final Map<String, Double> medians = new LinkedHashMap<>();
    private final Map<String, String> jfr = new LinkedHashMap<>();
    private final Map<String, String> serverNotes = new LinkedHashMap<>();
    private Clients clients;
    private final List<String> failures = new ArrayList<>();

    private BenchRunner(Map<String, String> options)
    {
        this.options = options;
        this.classpath = options.get("classpath");
        this.logs = Path.of(options.getOrDefault("logs", "benchmarks/target/bench"));
    }

    public static void main(String[] args) throws Exception
    {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i++)
        {
            // --name value, or a bare flag such as --skip-jmh
            boolean flag = i + 1 == args.length || args[i + 1].startsWith("--");
            options.put(args[i].replaceFirst("^--", ""), flag ? "true" : args[++i]);
        }
        long start = System.nanoTime();
        new BenchRunner(options).run();
        System.out.printf("benchmark finished in %.0f s%n", (System.nanoTime() - start) / 1e9);
        System.exit(0);
    }

    /** What a run measures; {@code --only a,b} picks some (a partial report beside the logs, never docs/PERFORMANCE.md). */
    static final List<String> GROUPS = List.of("java17", "java25", "stock", "variants", "anchors");
    static final String H3_17 = "h3connector Java 17";
    static final String H3_25 = "h3connector Java 25";
    static final String STOCK = "stock Jetty 12.1.5 (quiche JNA) Java 17";
    static final String NETTY = "anchor: raw Netty 4.2.18 HTTP/3, NIO, Java 17";
    static final String DEFAULTS = "eventLoops 2 (the default here: 2 cores), epoll, BBR";
    static final String JAVA25_DEFAULTS = "Java 25: eventLoops 2, epoll, BBR";

    private void run() throws Exception
    {
        Files.createDirectories(logs);
        String java17 = options.get("java17");
        String java25 = options.get("java25");
        String keyStore = logs.resolve("bench.p12").toAbsolutePath().toString();
        String started = DateTimeFormatter.ISO_INSTANT.format(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));

        String only = options.get("only");
        List<String> groups = only == null ? GROUPS : Arrays.asList(only.split(","));
        for (String group : groups)
        {
            if (!GROUPS.contains(group))
                throw new IllegalArgumentException("--only " + only + ": the groups are " + String.join(", ", GROUPS));
        }
        boolean all = only == null;

        String jmh = !all ? "(JMH not run: --only " + only + ")\n"
            : options.containsKey("skip-jmh") ? jmhTable(logs.resolve("jmh.csv").toAbsolutePath(), " (reused from an earlier run: --skip-jmh)") : runJmh(java17, keyStore);

        // The client JVM's classpath holds both of Jetty's client bindings; Jetty's HTTP/3 client picks FFM on Java 22+.
        clients = new Clients();
        // h3connector and Netty servers: no quiche binding of Jetty's on the class path at all (the engine is Netty's);
        // stock Jetty on Java 17: JNA, without the FFM binding, which Java 17 cannot load.
        String cpServer = filter(classpath, "jetty-quic-quiche", "jetty-quiche-native", "/jna-");
        String cpJna = filter(classpath, "jetty-quic-quiche-foreign");
        SelfSignedCertificate.createIfAbsent(Path.of(keyStore), BenchServer.PASSWORD, "localhost", "127.0.0.1");
        List<String> serverArgs = List.of("--keystore", keyStore, "--mode", "h3connector");
        if (groups.contains("java17"))
            h3connector(H3_17, java17, cpServer, serverArgs, List.of("h1", "h2", "h3", "h2load", "nh3"));
        if (groups.contains("java25"))
            h3connector(H3_25, java25, cpServer, serverArgs, List.of("h2", "h3", "h2load", "nh3"));
        if (groups.contains("stock"))
            stock(java17, cpJna, keyStore);
        if (groups.contains("variants"))
            variants(java17, java25, cpServer, serverArgs);
        if (groups.contains("anchors"))
            anchors(java17, cpServer, keyStore);
        clients.close();
        Path out = all ? Path.of(options.getOrDefault("out", "docs/PERFORMANCE.md")) : logs.resolve("PERFORMANCE-" + only.replace(',', '-') + ".md");
        Files.writeString(out, report(started, jmh));
        System.out.println("report: " + out);
    }

    /** An h3connector row with its defaults (epoll, eventLoops = cores, BBR): bulk, gtlsclient, small requests, JFR. */
    private void h3connector(String label, String javaHome, String cp, List<String> serverArgs, List<String> small) throws Exception
    {
        // The server needs no JVM flags on either Java: no FFM binding any more.
        try (ServerProcess a = ServerProcess.start(label, javaHome, cp, List.of(), serverArgs, logs))
        {
            note(a);
            for (String protocol : List.of("h1", "h2", "h3"))
                guard(a, "bulk " + protocol, () -> bulk(a, protocol));
            guard(a, "gtlsclient", () -> gtls(a));
            for (String protocol : small)
                guard(a, "small " + protocol, () -> small(a, protocol, new int[]{1, 16, 64}));
            guard(a, "JFR", () -> profile(a));
        }
    }

    /** Jetty's own QuicheServerConnector: the comparison row for what the product replaced. */
    private void stock(String java17, String cpJna, String keyStore) throws Exception
    {
        try (ServerProcess c = ServerProcess.start(STOCK, java17, cpJna, List.of(), List.of("--keystore", keyStore, "--mode", "stock"), logs))
        {
            note(c);
            guard(c, "bulk h3", () -> bulk(c, "h3"));
            guard(c, "gtlsclient", () -> gtls(c));
            guard(c, "small h3", () -> small(c, "h3", new int[]{1, 16, 64}));
        }
    }

    /**
     * One row per engine setting that matters, each in a fresh Java 17 server JVM, measured alike: HTTP/3 64 MiB
     * downloads with gtlsclient, 16 MiB uploads with Jetty's client, 1 KiB requests at 16 and 64 concurrent streams.
     */
    private void variants(String java17, String java25, String cp, List<String> serverArgs) throws Exception
    {
        String noNative = "-Dio.netty.transport.noNative=true";
        String[][] variants = {
            // name, expected UDP I/O, JVM flag or "", server options...
            {DEFAULTS, "epoll", "", "--event-loops", "2"},
            {JAVA25_DEFAULTS, "epoll", "", "--event-loops", "2"},
            {"eventLoops 1, epoll, BBR", "epoll", "", "--event-loops", "1"},
            {"NIO (-Dio.netty.transport.noNative=true; 1 event loop), BBR", "nio", noNative},
            {"eventLoops 2, epoll, CUBIC", "epoll", "", "--event-loops", "2", "--congestion-control", "CUBIC"},
            {"NIO, CUBIC (the raw-Netty anchor's settings)", "nio", noNative, "--congestion-control", "CUBIC"},
        };
        for (String[] variant : variants)
        {
            List<String> args = new ArrayList<>(serverArgs);
            args.addAll(Arrays.asList(variant).subList(3, variant.length));
            List<String> jvm = variant[2].isEmpty() ? List.of() : List.of(variant[2]);
            boolean on25 = variant[0].equals(JAVA25_DEFAULTS);
            String label = (on25 ? H3_25 : H3_17) + ", " + variant[0];
            try (ServerProcess v = ServerProcess.start(label, on25 ? java25 : java17, cp, jvm, args, logs))
            {
                System.out.println("== " + label + ": " + v.udpIo + "; " + v.quicSettings);
                if (!v.udpIo.equals(variant[1]))
                {
                    failures.add(label + ": the connector reports UDP I/O " + v.udpIo + ", expected " + variant[1]);
                    continue;
                }
                guard(v, "variant", () -> variant(v, variant[0]));
            }
        }
    }

    interface Row
    {
        void run() throws Exception;
    }

    /** Runs a row; an integrity failure fails the run, any other failure (a stall, a timeout) is reported in the document. */
    private void guard(ServerProcess server, String row, Row body) throws Exception
    {
        try
        {
            body.run();
        }
        catch (Exception x)
        {
            for (Throwable t = x; t != null; t = t.getCause())
            {
                if (String.valueOf(t.getMessage()).contains("INTEGRITY FAILURE"))
                    throw x;
            }
            String cause = x.toString();
            for (Throwable t = x.getCause(); t != null; t = t.getCause())
                cause += "; " + t;
            failures.add(server.label + ", " + row + ": " + cause.replace("|", "/"));
            System.out.println("   FAILED " + row + ": " + cause);
        }
    }

    private void note(ServerProcess server)
    {
        serverNotes.put(server.label, "UDP I/O " + server.udpIo + "; " + server.quicSettings);
        System.out.println("== " + server.label + ": " + serverNotes.get(server.label));
    }

    private String base(ServerProcess server, String protocol)
    {
        return "https://127.0.0.1:" + (protocol.contains("h3") ? server.udpPort : server.tcpPort);
    }

    private static String protocolName(String protocol)
    {
        return switch (protocol)
        {
            case "h1" -> "HTTP/1.1+TLS";
            case "h2", "h2load" -> "HTTP/2";
            default -> "HTTP/3";
        };
    }

    /** The load generator of a small-request protocol key: "nh3" and "h2load" are the light ones. */
    private static String smallClient(String protocol)
    {
        return switch (protocol)
        {
            case "nh3" -> "Netty HTTP/3 client";
            case "h2load" -> "h2load (nghttp2)";
            default -> "Jetty HttpClient";
        };
    }

    /** One round of small requests with the protocol key's load generator: {count, elapsed s}. */
    private double[] smallRound(ServerProcess server, String protocol, int concurrency, double seconds) throws Exception
    {
        return clients.smallRequests(protocol, base(server, protocol), concurrency, seconds, smallSha);
    }

    /** Download and upload rows, Jetty client: {@link #warmups()} warm-up transfers, then {@link #ROUNDS} measured. */
    private void bulk(ServerProcess server, String protocol) throws Exception
    {
        HttpClient client = clients.client(protocol);
        String base = base(server, protocol);
        // Download.
        for (int i = 0; i < warmups(); i++)
            Clients.download(client, base, DOWNLOAD, downloadSha);
        server.resetPeak();
        double[] times = new double[ROUNDS];
        long[] cpu0 = server.cpuTicks();
        for (int i = 0; i < ROUNDS; i++)
            times[i] = Clients.download(client, base, DOWNLOAD, downloadSha);
        long[] cpu1 = server.cpuTicks();
        long downRss = server.peakRssKiB();
        String key = server.label + "|" + protocol + "|jetty";
        medians.put(key + "|down", mbps(DOWNLOAD, median(times)));
        medians.put(key + "|down|rss", downRss / 1024.0);
        String[] down = throughput(times, DOWNLOAD);
        String downCpu = cpuPer(cpu0, cpu1, (double)DOWNLOAD * ROUNDS / (1L << 30));
        medians.put(key + "|down|cpu", cpuSeconds(cpu0, cpu1) / ((double)DOWNLOAD * ROUNDS / (1L << 30)));
        // Upload.
        for (int i = 0; i < warmups(); i++)
            Clients.upload(client, base, uploadBody, uploadSha);
        server.resetPeak();
        double[] up = new double[ROUNDS];
        cpu0 = server.cpuTicks();
        for (int i = 0; i < ROUNDS; i++)
            up[i] = Clients.upload(client, base, uploadBody, uploadSha);
        cpu1 = server.cpuTicks();
        long upRss = server.peakRssKiB();
        medians.put(key + "|up", mbps(UPLOAD, median(up)));
        medians.put(key + "|up|cpu", cpuSeconds(cpu0, cpu1) / ((double)UPLOAD * ROUNDS / (1L << 30)));
        String[] upload = throughput(up, UPLOAD);
        String upCpu = cpuPer(cpu0, cpu1, (double)UPLOAD * ROUNDS / (1L << 30));
        bulkRows.add(new String[]{server.label, protocolName(protocol), "Jetty HttpClient", down[0], down[1], downCpu,
            upload[0], upload[1], upCpu, mib(downRss) + " / " + mib(upRss)});
        System.out.println("   bulk " + protocol + ": down " + down[0] + " MB/s (" + down[1] + "), up " + upload[0] + " MB/s, cpu/GiB " + downCpu + " / " + upCpu);
    }

    /** {@link #warmups()} gtlsclient downloads, their MB/s noted under Servers; @return the note */
    private String gtlsWarmups(ServerProcess server) throws Exception
    {
        StringBuilder speeds = new StringBuilder();
        for (int i = 0; i < warmups(); i++)
            speeds.append(speeds.isEmpty() ? "" : ", ").append(String.format("%.0f", mbps(DOWNLOAD, gtlsDownload(server))));
        String note = "gtlsclient warm-up downloads, this run: " + (speeds.isEmpty() ? "none" : speeds + " MB/s");
        serverNotes.merge(server.label, note, (x, y) -> x + "; " + y);
        System.out.println("   " + note);
        return note;
    }

    /** The 64 MiB download with ngtcp2's gtlsclient, a separate process: warm-ups, then {@link #ROUNDS} measured. */
    private void gtls(ServerProcess server) throws Exception
    {
        gtlsWarmups(server);
        Downloads down = measuredDownloads(server);
        bulkRows.add(new String[]{server.label, "HTTP/3", "gtlsclient (ngtcp2)", down.rate[0], down.rate[1], down.cpu, "–", "–", "–", mib(down.rssKiB) + " / –"});
        System.out.println("   gtlsclient: down " + down.rate[0] + " MB/s (" + down.rate[1] + "), cpu/GiB " + down.cpu + ", peak RSS " + mib(down.rssKiB) + " MiB");
    }

    /** {@link #ROUNDS} measured gtlsclient downloads (after the caller's warm-ups), their medians recorded for the targets. */
    private Downloads measuredDownloads(ServerProcess server) throws Exception
    {
        server.resetPeak();
        double[] times = new double[ROUNDS];
        long[] cpu0 = server.cpuTicks();
        for (int i = 0; i < ROUNDS; i++)
            times[i] = gtlsDownload(server);
        long[] cpu1 = server.cpuTicks();
        long rss = server.peakRssKiB();
        double gib = (double)DOWNLOAD * ROUNDS / (1L << 30);
        String key = server.label + "|h3|gtls|down";
        medians.put(key, mbps(DOWNLOAD, median(times)));
        medians.put(key + "|cpu", cpuSeconds(cpu0, cpu1) / gib);
        medians.put(key + "|rss", rss / 1024.0);
        return new Downloads(throughput(times, DOWNLOAD), cpuPer(cpu0, cpu1, gib), rss);
    }

    /** Measured downloads: median MB/s and (min–max), server CPU per GiB, peak RSS. */
    private record Downloads(String[] rate, String cpu, long rssKiB)
    {
    }

    private void small(ServerProcess server, String protocol, int[] concurrencies) throws Exception
    {
        server.resetPeak();
        List<String> cells = new ArrayList<>(List.of(server.label, protocolName(protocol), smallClient(protocol)));
        for (int concurrency : concurrencies)
        {
            // A failed level is reported and the next one still measured (on a new connection if the client's broke).
            try
            {
                smallRound(server, protocol, concurrency, SMALL_WARMUP_S);
                double[] rates = new double[ROUNDS];
                double requests = 0;
                long[] cpu0 = server.cpuTicks();
                for (int i = 0; i < ROUNDS; i++)
                {
                    double[] result = smallRound(server, protocol, concurrency, SMALL_ROUND_S);
                    rates[i] = result[0] / result[1];
                    requests += result[0];
                }
                long[] cpu1 = server.cpuTicks();
                double median = median(rates);
                medians.put(server.label + "|" + protocol + "|small|" + concurrency, median);
                Arrays.sort(rates);
                cells.add(String.format("%,.0f (%,.0f–%,.0f)", median, rates[0], rates[ROUNDS - 1]));
                cells.add(cpuPer(cpu0, cpu1, requests / 10_000));
            }
            catch (Exception x)
            {
                guard(server, "small " + protocol + " at " + concurrency + " concurrent", () -> { throw x; });
                cells.add("failed");
                cells.add("–");
            }
        }
        cells.add(mib(server.peakRssKiB()));
        smallRows.add(cells.toArray(String[]::new));
        System.out.println("   small " + protocol + ": " + cells.subList(3, cells.size()));
    }

    /** JFR on the server during two HTTP/3 64 MiB downloads (Jetty client). */
    private void profile(ServerProcess server) throws Exception
    {
        Path recording = logs.resolve("jfr-" + server.label.replaceAll("[^A-Za-z0-9.-]+", "_") + ".jfr").toAbsolutePath();
        Files.deleteIfExists(recording);
        server.jcmd("JFR.start", "name=bench", "settings=profile", "filename=" + recording);
        double seconds = 0;
        for (int i = 0; i < 2; i++)
            seconds += gtlsDownload(server);
        server.jcmd("JFR.stop", "name=bench");
        jfr.put(server.label, String.format("Two 64 MiB HTTP/3 downloads (gtlsclient) under JFR `settings=profile`, %.1f s in all; recording `%s`. "
            + "JFR samples Java frames only; for the native and kernel share run `benchmarks/profile.sh` (perf).%n%n",
            seconds, logs.toAbsolutePath().relativize(recording)) + JfrSummary.markdown(recording, 15));
    }

    /** One 64 MiB download with gtlsclient, SHA-256 checked; returns its seconds. */
    private double gtlsDownload(ServerProcess server) throws Exception
    {
        String url = base(server, "h3") + "/bytes?n=" + DOWNLOAD;
        Path directory = Files.createTempDirectory(logs, "gtls");
        Path log = logs.resolve("gtlsclient.log");
        long start = System.nanoTime();
        Process process = new ProcessBuilder("gtlsclient", "--quiet", "--exit-on-all-streams-close", "--download=" + directory,
            "127.0.0.1", String.valueOf(server.udpPort), url)
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!process.waitFor(300, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new IllegalStateException("gtlsclient did not finish in 300 s against " + server.label);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (process.exitValue() != 0)
            throw new IllegalStateException("gtlsclient exited with " + process.exitValue() + " against " + server.label + ": " + Files.readString(log));
        List<Path> files;
        try (Stream<Path> list = Files.list(directory))
        {
            files = list.toList();
        }
        if (files.size() != 1)
            throw new IllegalStateException("gtlsclient left " + files + " in " + directory);
        String sha = sha256(files.get(0));
        long size = Files.size(files.get(0));
        // A transfer that stopped short with correct bytes is a failed row (gtlsclient exits 0 at its idle timeout);
        // wrong bytes are an integrity failure, which stops the run.
        boolean rightBytes = size == DOWNLOAD ? sha.equals(downloadSha) : size < DOWNLOAD && sha.equals(Pattern.sha256(size));
        if (!rightBytes)
            throw new IllegalStateException("INTEGRITY FAILURE: gtlsclient download from " + server.label + ": " + size + " bytes, SHA-256 " + sha + ", expected " + downloadSha);
        Files.delete(files.get(0));
        Files.delete(directory);
        if (size != DOWNLOAD)
            throw new IllegalStateException("gtlsclient download incomplete after " + Math.round(seconds) + " s: " + size + " of " + DOWNLOAD +
                " bytes, all of them right; gtlsclient: " + Files.readString(log).strip());
        return seconds;
    }

    /** A variant row: gtlsclient downloads, Jetty-client uploads, 1 KiB requests at 16 and 64; all with warm-ups. */
    private void variant(ServerProcess server, String variant) throws Exception
    {
        String warm = gtlsWarmups(server);
        serverNotes.remove(server.label);
        Downloads downloads = measuredDownloads(server);
        String[] down = downloads.rate;
        String downCpu = downloads.cpu;
        long rss = downloads.rssKiB;
        HttpClient client = clients.http3;
        String base = base(server, "h3");
        for (int i = 0; i < warmups(); i++)
            Clients.upload(client, base, uploadBody, uploadSha);
        double[] up = new double[ROUNDS];
        long[] cpu0 = server.cpuTicks();
        for (int i = 0; i < ROUNDS; i++)
            up[i] = Clients.upload(client, base, uploadBody, uploadSha);
        long[] cpu1 = server.cpuTicks();
        String[] upload = throughput(up, UPLOAD);
        String upCpu = cpuPer(cpu0, cpu1, (double)UPLOAD * ROUNDS / (1L << 30));
        List<String> cells = new ArrayList<>(List.of(variant, server.udpIo + "; " + server.quicSettings, down[0], down[1], downCpu,
            upload[0], upload[1], upCpu));
        for (int concurrency : new int[]{16, 64})
        {
            Clients.smallRequests(client, base, concurrency, SMALL_WARMUP_S, smallSha);
            double[] rates = new double[ROUNDS];
            for (int i = 0; i < ROUNDS; i++)
            {
                double[] result = Clients.smallRequests(client, base, concurrency, SMALL_ROUND_S, smallSha);
                rates[i] = result[0] / result[1];
            }
            cells.add(String.format("%,.0f", median(rates)));
        }
        cells.add(mib(rss));
        variantRows.add(cells.toArray(String[]::new));
        variantWarmups.add(variant + ": " + warm);
        System.out.println("   variant " + variant + ": " + cells.subList(2, cells.size()));
    }

    // ---------------------------------------------------------------- anchors

    /**
     * Anchor rows: other HTTP/3 servers on this machine, measured as the gtlsclient rows are, to show what the machine,
     * the client and quiche itself allow. Benchmark-only; neither server is product code.
     */
    private void anchors(String java17, String cp, String keyStore) throws Exception
    {
        String nettyLabel = NETTY;
        ServerProcess netty = startAnchor(nettyLabel, () -> ServerProcess.start(nettyLabel, java17, cp, List.of(),
            NettyH3Server.class.getName(), List.of("--keystore", keyStore), logs));
        if (netty != null)
        {
            try (netty)
            {
                serverNotes.put(netty.label, "`NettyH3Server` (benchmarks module only; same endpoints, pattern and key as BenchServer): " + netty.quicSettings);
                guard(netty, "anchor", () -> anchor(netty, true));
                // The same Jetty HTTP/3 client against a minimal server: what the client allows.
                guard(netty, "small h3", () -> small(netty, "h3", new int[]{1, 16, 64}));
                guard(netty, "small nh3", () -> small(netty, "nh3", new int[]{1, 16, 64}));
            }
        }
        String caddy = options.getOrDefault("caddy", "caddy");
        String label = caddyLabel(caddy);
        ServerProcess c = startAnchor(label, () -> startCaddy(label, caddy, Path.of(keyStore)));
        if (c != null)
        {
            try (c)
            {
                serverNotes.put(c.label, c.quicSettings);
                guard(c, "anchor", () -> anchor(c, false));
            }
        }
    }

    interface Start
    {
        ServerProcess start() throws Exception;
    }

    /** An anchor that does not start (no caddy, say) is a failed row, not a failed run. */
    private ServerProcess startAnchor(String label, Start start)
    {
        try
        {
            return start.start();
        }
        catch (Exception x)
        {
            failures.add(label + ", start: " + x.toString().replace("|", "/"));
            System.out.println("   FAILED to start " + label + ": " + x);
            return null;
        }
    }

    private String caddyLabel;

    /** The Caddy row's label, with the version of the caddy binary (asked once). */
    private String caddyLabel(String caddy)
    {
        if (caddyLabel == null)
            caddyLabel = "anchor: Caddy " + caddyVersion(caddy) + " (Debian caddy, quic-go)";
        return caddyLabel;
    }

    /**
     * Uploads (Jetty's HTTP/3 client, as the other upload rows) come first, so that, like the other servers before
     * their gtlsclient row, the server has carried HTTP/3 transfers before the measured downloads; then
     * {@link #warmups()} gtlsclient warm-up downloads and {@link #ROUNDS} measured ones, every body SHA-256 checked.
     */
    private void anchor(ServerProcess server, boolean uploads) throws Exception
    {
        String[] upload = {"n/a (Caddy's file_server takes no uploads)", "–", "–"};
        long upRss = -1;
        if (uploads)
        {
            String base = base(server, "h3");
            for (int i = 0; i < warmups(); i++)
                Clients.upload(clients.http3, base, uploadBody, uploadSha);
            server.resetPeak();
            double[] up = new double[ROUNDS];
            long[] cpu0 = server.cpuTicks();
            for (int i = 0; i < ROUNDS; i++)
                up[i] = Clients.upload(clients.http3, base, uploadBody, uploadSha);
            long[] cpu1 = server.cpuTicks();
            upRss = server.peakRssKiB();
            String[] rates = throughput(up, UPLOAD);
            medians.put(server.label + "|h3|jetty|up", mbps(UPLOAD, median(up)));
            upload = new String[]{rates[0], rates[1], cpuPer(cpu0, cpu1, (double)UPLOAD * ROUNDS / (1L << 30))};
        }
        gtlsWarmups(server);
        Downloads down = measuredDownloads(server);
        bulkRows.add(new String[]{server.label, "HTTP/3", uploads ? "gtlsclient (ngtcp2); uploads: Jetty HttpClient" : "gtlsclient (ngtcp2)",
            down.rate[0], down.rate[1], down.cpu, upload[0], upload[1], upload[2], mib(down.rssKiB) + " / " + (upRss < 0 ? "–" : mib(upRss))});
        System.out.println("   anchor: down " + down.rate[0] + " MB/s (" + down.rate[1] + "), cpu/GiB " + down.cpu + "; up " + upload[0] + " (" + upload[1] + "), cpu/GiB " + upload[2]);
    }

    /** Warm-up transfers before every measured bulk row, the same count for every server: {@code --warmups N}. */
    private int warmups()
    {
        return Integer.parseInt(options.getOrDefault("warmups", "8"));
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

    /**
     * Caddy with a generated Caddyfile: HTTPS on loopback with the benchmark's certificate, HTTP/1.1, HTTP/2 and HTTP/3
     * on one port, admin endpoint and automatic HTTPS off, {@code file_server} of a 64 MiB pattern file at
     * {@code /bytes} (it ignores the query string, so the runner's {@code /bytes?n=67108864} URL gets it).
     */
    private ServerProcess startCaddy(String label, String caddy, Path keyStore) throws Exception
    {
        Path dir = logs.resolve("caddy").toAbsolutePath();
        Files.createDirectories(dir.resolve("www"));
        writePem(keyStore, dir.resolve("cert.pem"), dir.resolve("key.pem"));
        try (OutputStream out = Files.newOutputStream(dir.resolve("www").resolve("bytes")))
        {
            for (long written = 0; written < DOWNLOAD; written += Pattern.BLOCK.length)
                out.write(Pattern.BLOCK);
        }
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
            	root * %s
            	file_server
            }
            """.formatted(port, dir.resolve("cert.pem"), dir.resolve("key.pem"), dir.resolve("www"));
        Files.writeString(dir.resolve("Caddyfile"), caddyfile);
        // Caddy's storage and config directories inside ours, not in the user's home.
        Map<String, String> environment = Map.of("HOME", dir.toString(), "XDG_DATA_HOME", dir.resolve("data").toString(),
            "XDG_CONFIG_HOME", dir.resolve("config").toString());
        return ServerProcess.startExternal(label, List.of(caddy, "run", "--config", dir.resolve("Caddyfile").toString(), "--adapter", "caddyfile"),
            environment, "serving initial configuration", port, "caddy",
            "generated Caddyfile (`benchmarks/target/bench/caddy/Caddyfile`): `admin off`, `auto_https off`, `servers { protocols h1 h2 h3 }`, " +
                "`tls cert.pem key.pem` (the benchmark's key), `file_server` of a 64 MiB pattern file at `/bytes`; Go and quic-go defaults", logs);
    }

    /** The benchmark's key and certificate as the PEM files Caddy reads. */
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
        // PKCS#8, which Go's tls.X509KeyPair reads for EC keys.
        Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n" + base64.encodeToString(store.getKey(alias, BenchServer.PASSWORD.toCharArray()).getEncoded()) + "\n-----END PRIVATE KEY-----\n");
    }

    /** A loopback port free for both UDP (HTTP/3) and TCP (Caddy's HTTP/1.1 and HTTP/2 on the same port). */
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

    private String runJmh(String javaHome, String keyStore) throws Exception
    {
        Path csv = logs.resolve("jmh.csv").toAbsolutePath();
        List<String> command = List.of(Path.of(javaHome, "bin", "java").toString(), "-cp", classpath,
            "org.openjdk.jmh.Main", "io.github.h3connector.*AltSvc.*Benchmark.*",
            "-foe", "true", "-f", "1", "-wi", "3", "-w", "1s", "-i", "5", "-r", "1s", "-prof", "gc",
            "-jvmArgsAppend", "-Dbench.keystore=" + keyStore,
            "-rf", "csv", "-rff", csv.toString());
        System.out.println("== JMH: " + String.join(" ", command.subList(4, command.size())));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(logs.resolve("jmh.log").toFile()).start();
        if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0)
            throw new IllegalStateException("JMH failed; see " + logs.resolve("jmh.log"));
        return jmhTable(csv, "");
    }

    private String jmhTable(Path csv, String note) throws IOException
    {
        if (!Files.exists(csv))
            return "(JMH skipped, and no earlier " + csv + ")\n";
        Map<String, String[]> scores = new LinkedHashMap<>();
        Map<String, String[]> allocations = new LinkedHashMap<>();
        for (String line : Files.readAllLines(csv).subList(1, Files.readAllLines(csv).size()))
        {
            String[] f = line.replace("\"", "").split(",");
            String name = f[0].substring(f[0].lastIndexOf('.', f[0].indexOf(':') < 0 ? f[0].length() : f[0].indexOf(':')) + 1);
            if (name.contains(":gc.alloc.rate.norm"))
                allocations.put(name.substring(0, name.indexOf(':')), f);
            else if (!name.contains(":"))
                scores.put(name, f);
        }
        StringBuilder out = new StringBuilder(note.isEmpty() ? "" : "JMH results" + note + ".\n\n").append("| benchmark | ns/op (± 99.9% error) | bytes allocated per op, gc.alloc.rate.norm (± error) |\n|---|---|---|\n");
        scores.forEach((name, f) ->
        {
            String[] a = allocations.get(name);
            double ns = Double.parseDouble(f[4]);
            double bytes = a == null ? Double.NaN : Double.parseDouble(a[4]);
            medians.put("jmh|" + name + "|ns", ns);
            medians.put("jmh|" + name + "|B", bytes);
            out.append("| ").append(name).append(" | ").append(String.format("%.1f ± %s", ns, fmt(f[5])))
                .append(" | ").append(a == null ? "?" : String.format("%.1f ± %s", bytes, fmt(a[5]))).append(" |\n");
        });
        System.out.print(out);
        return out.toString();
    }

    private static String fmt(String error)
    {
        try
        {
            return String.format("%.1f", Double.parseDouble(error));
        }
        catch (NumberFormatException x)
        {
            return error;
        }
    }

    // ---------------------------------------------------------------- report

    private String report(String started, String jmh) throws IOException
    {
        StringBuilder md = new StringBuilder();
        md.append("# Performance\n\n");
        md.append("Generated by `benchmarks/run.sh").append(options.containsKey("only") ? " --only " + options.get("only") : "")
            .append("` on ").append(started).append(" (UTC). All rows come from this one run on one machine; ")
            .append("ratios between rows, not absolute numbers, are the claim.\n\n");
        md.append("**Machine:** ").append(machine()).append("\n\n");
        md.append("## How to reproduce\n\n```sh\nbenchmarks/run.sh              # builds what it needs, runs everything (~15 min on 2 cores), rewrites docs/PERFORMANCE.md\n"
            + "benchmarks/run.sh --warmups 3  # fewer warm-up transfers per row (default 8)\n"
            + "benchmarks/run.sh --only java17,anchors   # some of java17, java25, stock, variants, anchors; report in benchmarks/target/bench/PERFORMANCE-<groups>.md\n```\n\n")
            .append("It needs Java 17 (`JAVA17_HOME`, default `/usr/lib/jvm/java-17-openjdk-amd64`), Java 22+ (`JAVA25_HOME`, default ")
            .append("`/usr/lib/jvm/temurin-25-jdk-amd64`), Maven, ngtcp2's `gtlsclient` on the PATH and, for its anchor row, Debian's `caddy`. The normal `mvn verify` only compiles ")
            .append("the `benchmarks` module. Raw logs, JMH CSV and JFR recordings land in `benchmarks/target/bench/`.\n\n");
        md.append("### Method\n\n")
            .append("- Servers run one at a time, each in its own process (`BenchServer`, `-Xms512m -Xmx1g`), bound to 127.0.0.1. h3connector runs on ")
            .append("Netty's QUIC codec with its defaults unless a row says otherwise (epoll, `eventLoops` = cores = 2, BBR); its server JVMs get no extra flags and ")
            .append("have none of Jetty's quiche bindings on the class path. The Jetty clients run in the runner's JVM ")
            .append("(Java 25, `--enable-native-access=ALL-UNNAMED`, so Jetty's HTTP/3 client uses quiche through FFM), gtlsclient in its own process. Client and server share the 2 cores.\n")
            .append("- `GET /bytes?n=N` streams N bytes of the embedded demo's pattern (byte i = (i·31+7) & 0xFF) in 64 KiB writes; `POST /upload` ")
            .append("answers the SHA-256 of the body. The SHA-256 of every downloaded body (Jetty client and gtlsclient) and of every uploaded body ")
            .append("(computed by the server) is checked against the expected value; any mismatch fails the run.\n")
            .append("- Bulk: ").append(warmups()).append(" warm-up transfers of the same size (downloads, and again uploads; the same count for every server: the JIT ")
            .append("needs them), then ").append(ROUNDS).append(" measured; median MB/s (MB = 10^6 bytes), min–max in brackets. ")
            .append("Small requests: `GET /bytes?n=1024`, sequential or with 16 / 64 requests in flight (HTTP/1.1: one connection each; HTTP/2 and HTTP/3: ")
            .append("streams on one connection), ").append(SMALL_WARMUP_S).append(" s warm-up, then ").append(ROUNDS).append(" rounds of ").append(SMALL_ROUND_S).append(" s; median req/s.\n")
            .append("- Server CPU: utime+stime of the server process from `/proc/<pid>/stat` before and after the measured rounds (warm-up excluded), ")
            .append("per GiB moved or per 10,000 requests. Peak RSS: `VmHWM` from `/proc/<pid>/status`, reset via `/proc/<pid>/clear_refs` ")
            .append("after the warm-ups, so it is the peak during the measured rounds (bulk: download / upload).\n")
            .append("- Jetty's HTTP/3 client uses `HTTP3ClientQuicConfiguration.configure` defaults with a 4 MiB UDP receive buffer; gtlsclient runs with its defaults ")
            .append("(`--max-data` 15M) as `gtlsclient --quiet --exit-on-all-streams-close --download=DIR 127.0.0.1 PORT URL`.\n")
            .append("- Stock Jetty (comparison row, not the product): `QuicheServerConnector` + `HTTP3ServerQuicConfiguration.configure(new QuicheServerQuicConfiguration(pemDir))`, default windows ")
            .append("and buffers, Java 17 + JNA, quiche from `jetty-quiche-native` 0.24.5.\n")
            .append("- **Anchors** (rows labelled `anchor:`; benchmark-only, not h3connector): Caddy from the Debian package (Go, quic-go), started with a generated ")
            .append("Caddyfile, and `NettyH3Server`, a ~200-line HTTP/3 server on Netty's QUIC and HTTP/3 codecs (the same release-built quiche + BoringSSL as h3connector's engine), each in its own process ")
            .append("with the same certificate. Downloads: gtlsclient as above, the same warm-ups, SHA-256 checked. ")
            .append("Netty's uploads: Jetty's HTTP/3 client, before its downloads. Caddy's `file_server` takes no uploads: n/a.\n")
            .append("- **Variants**: one row per engine setting, each in a fresh server JVM measured the same way (below).\n")
            .append("- Small requests with two client families: Jetty's HttpClient for every protocol (in the runner's JVM; its HTTP/3 runs the debug-built ")
            .append("`jetty-quiche-native`, which caps every HTTP/3 server here), and the light ones, `NettyH3Load` (Netty's HTTP/3 client on one NIO event loop, ")
            .append("release-built quiche, status and SHA-256 of every body checked) for HTTP/3 and nghttp2's `h2load -c 1 -m N -D S` (every response a 2xx, checked) ")
            .append("for HTTP/2. The raw-Netty anchor gets both HTTP/3 clients.\n\n");
        md.append("Servers:\n\n");
        serverNotes.forEach((label, note) -> md.append("- ").append(label).append(": ").append(note).append("\n"));
        boolean partial = options.containsKey("only");
        if (partial)
            md.append("\n**Partial run (`--only ").append(options.get("only")).append("`):** only these rows, no JMH; targets whose rows did not run show as not measured.\n");
        md.append("\n## Targets\n\n").append(targets()).append("\n");
        if (!failures.isEmpty())
        {
            md.append("## Rows that failed in this run (not integrity failures: those stop the run)\n\n");
            failures.forEach(f -> md.append("- ").append(f).append("\n"));
            md.append("\n");
        }
        md.append("## Bulk transfer: 64 MiB download, 16 MiB upload\n\n")
            .append("| server | protocol | client | download MB/s | (min–max) | server CPU s/GiB | upload MB/s | (min–max) | server CPU s/GiB | peak RSS MiB (download / upload) |\n")
            .append("|---|---|---|---|---|---|---|---|---|---|\n");
        bulkRows.forEach(row -> md.append("| ").append(String.join(" | ", row)).append(" |\n"));
        if (!smallRows.isEmpty())
        {
            md.append("\n## Small requests (1 KiB responses)\n\n")
                .append("| server | protocol | client | sequential req/s | CPU s/10k req | 16 concurrent req/s | CPU s/10k req | 64 concurrent req/s | CPU s/10k req | peak RSS MiB |\n")
                .append("|---|---|---|---|---|---|---|---|---|---|\n");
            smallRows.forEach(row -> md.append("| ").append(String.join(" | ", row)).append(" |\n"));
        }
        if (!variantRows.isEmpty())
        {
            md.append("\n## Variants: what each engine setting gives (HTTP/3, h3connector)\n\n")
                .append("Each in a fresh server JVM: ").append(warmups()).append(" warm-up then ").append(ROUNDS).append(" measured 64 MiB downloads with gtlsclient; ")
                .append(warmups()).append(" warm-up then ").append(ROUNDS).append(" 16 MiB uploads with Jetty's HTTP/3 client; 1 KiB requests on one connection ")
                .append("with Jetty's HTTP/3 client, ").append(SMALL_WARMUP_S).append(" s warm-up, median of ").append(ROUNDS).append(" rounds of ").append(SMALL_ROUND_S)
                .append(" s. Java 17 unless the row says Java 25. Settings: `H3Options.eventLoops`, `H3Options.congestionControl`; NIO by `-Dio.netty.transport.noNative=true` on the server JVM ")
                .append("(the connector's `getUdpIo()` then reports `nio`, checked). The connector sets no UDP GSO, so there is no GSO row.\n\n")
                .append("| variant | effective settings | download MB/s | (min–max) | server CPU s/GiB | upload MB/s | (min–max) | server CPU s/GiB | 1 KiB req/s, 16 concurrent | 64 concurrent | peak RSS MiB (download) |\n")
                .append("|---|---|---|---|---|---|---|---|---|---|---|\n");
            variantRows.forEach(row -> md.append("| ").append(String.join(" | ", row)).append(" |\n"));
            md.append("\n");
            variantWarmups.forEach(w -> md.append("- ").append(w).append("\n"));
        }
        if (partial)
            return md.toString();
        md.append("\n## Alt-Svc hot path (JMH)\n\n")
            .append("JMH 1.37 on Java 17, 1 fork, 3 × 1 s warm-up, 5 × 1 s measurement, `-prof gc`; error = JMH's 99.9% confidence half-width. ")
            .append("`AltSvcCustomizerBenchmark.customize`: `AltSvcCustomizer.customize()` of a started `H3Connector`, called with a minimal Jetty `Request` ")
            .append("(a `Request.Wrapper` whose `ConnectionMetaData` reports secure HTTP/2; that is all the customizer reads) on a reused `HttpFields.Mutable` ")
            .append("with three other headers; `altSvcFieldAndPut`: the exact operations it performs, `H3QuicConnector.altSvcField()` + `put` of the pre-encoded field; ")
            .append("`naiveFormatPerRequest`: `String.format` of the value per request. `AltSvcFilterBenchmark.altSvcFilter`: `AltSvcFilter.doFilter` ")
            .append("(init-param `h3-port=8443`) on a secure HTTP/2 request with allocation-free stub request/response and a chain that keeps the response it gets; ")
            .append("`naiveStringFormatFilter`: a filter that `String.format`s the header per request; `noFilter`: the stubs and chain alone.\n\n")
            .append(jmh).append("\n");
        md.append("## Where the time goes (JFR on the server, HTTP/3 64 MiB download)\n\n");
        jfr.forEach((label, text) -> md.append("### ").append(label).append("\n\n").append(text).append("\n"));
        Path analysis = Path.of(options.getOrDefault("analysis", "benchmarks/ANALYSIS.md"));
        if (Files.exists(analysis))
            md.append(Files.readString(analysis));
        return md.toString();
    }

    /** The targets of issue 13 (and the Alt-Svc hot-path targets), on Java 17 and on Java 25, from this run's medians. */
    private String targets()
    {
        StringBuilder t = new StringBuilder("| target | measured (this run) | met? |\n|---|---|---|\n");
        String caddy = caddyLabel(options.getOrDefault("caddy", "caddy"));
        for (String server : List.of(H3_17, H3_25))
        {
            Double gtls = medians.get(server + "|h3|gtls|down");
            t.append("| **").append(server).append("** | | |\n");
            target(t, "HTTP/3 64 MiB download (gtlsclient) ≥ 1.0× Caddy's", gtls, medians.get(caddy + "|h3|gtls|down"), 1.0);
            target(t, "HTTP/3 64 MiB download (gtlsclient) ≥ 0.85× raw Netty's", gtls, medians.get(NETTY + "|h3|gtls|down"), 0.85);
            target(t, "HTTP/3 64 MiB download (gtlsclient) ≥ 0.40× own HTTP/1.1+TLS (Jetty client)", gtls, medians.get(server + "|h1|jetty|down"), 0.40);
            atMost(t, "server CPU ≤ 10 s/GiB, HTTP/3 download (gtlsclient)", medians.get(server + "|h3|gtls|down|cpu"), 10, "s/GiB");
            Double up = medians.get(server + "|h3|jetty|up");
            target(t, "HTTP/3 16 MiB upload (Jetty client) ≥ 0.85× raw Netty's", up, medians.get(NETTY + "|h3|jetty|up"), 0.85);
            target(t, "HTTP/3 16 MiB upload (Jetty client) ≥ 0.40× own HTTP/1.1+TLS", up, medians.get(server + "|h1|jetty|up"), 0.40);
            atMost(t, "server CPU ≤ 10 s/GiB, HTTP/3 upload", medians.get(server + "|h3|jetty|up|cpu"), 10, "s/GiB");
            target(t, "HTTP/3 1 KiB requests at 16 concurrent ≥ 0.70× HTTP/2 (light clients: Netty HTTP/3, h2load)", medians.get(server + "|nh3|small|16"), medians.get(server + "|h2load|small|16"), 0.70);
            target(t, "HTTP/3 1 KiB requests at 64 concurrent ≥ 1.0× HTTP/2 (light clients: Netty HTTP/3, h2load)", medians.get(server + "|nh3|small|64"), medians.get(server + "|h2load|small|64"), 1.0);
            target(t, "HTTP/3 1 KiB requests at 16 concurrent ≥ 0.70× HTTP/2 (Jetty's clients)", medians.get(server + "|h3|small|16"), medians.get(server + "|h2|small|16"), 0.70);
            target(t, "HTTP/3 1 KiB requests at 64 concurrent ≥ 1.0× HTTP/2 (Jetty's clients)", medians.get(server + "|h3|small|64"), medians.get(server + "|h2|small|64"), 1.0);
            // Both in a server JVM that has carried nothing else: the HTTP/1.1 row is a server's first, the HTTP/3 figure
            // comes from the defaults row of the variants (the main row's HTTP/3 peak follows its Jetty-client HTTP/3 transfers).
            String fresh = server + ", " + (server.equals(H3_17) ? DEFAULTS : JAVA25_DEFAULTS);
            Double rss = medians.get(fresh + "|h3|gtls|down|rss");
            Double h1Rss = medians.get(server + "|h1|jetty|down|rss");
            if (rss == null || h1Rss == null)
                t.append("| peak RSS, HTTP/3 64 MiB download ≤ 2× HTTP/1.1's | not measured: a row failed or did not run | **no** |\n");
            else
                t.append(String.format("| peak RSS, HTTP/3 64 MiB download (gtlsclient, fresh server: variants) ≤ 2× HTTP/1.1+TLS's (Jetty client, fresh server) | %.2f× (%.0f vs %.0f MiB) | %s |%n",
                    rss / h1Rss, rss, h1Rss, rss <= 2 * h1Rss ? "yes" : "**no**"));
        }
        t.append("| **Alt-Svc hot path** | | |\n");
        for (String name : List.of("customize", "altSvcFieldAndPut", "altSvcFilter"))
        {
            Double ns = medians.get("jmh|" + name + "|ns");
            Double bytes = medians.get("jmh|" + name + "|B");
            if (ns == null)
                continue;
            boolean met = ns <= 50 && bytes != null && bytes < 0.5;
            t.append(String.format("| %s ≤ 50 ns and 0 B per request | %.1f ns, %.1f B | %s |%n", name, ns, bytes, met ? "yes" : "**no**"));
        }
        return t.toString();
    }

    private static void target(StringBuilder t, String name, Double value, Double reference, double goal)
    {
        if (value == null || reference == null)
        {
            t.append("| ").append(name).append(" | not measured: a row failed or did not run | **no** |\n");
            return;
        }
        double ratio = value / reference;
        t.append("| ").append(name).append(" | ").append(String.format("%.2f× (%,.1f vs %,.1f)", ratio, value, reference))
            .append(" | ").append(ratio >= goal ? "yes" : "**no**").append(" |\n");
    }

    private static void atMost(StringBuilder t, String name, Double value, double limit, String unit)
    {
        if (value == null)
        {
            t.append("| ").append(name).append(" | not measured: a row failed or did not run | **no** |\n");
            return;
        }
        t.append("| ").append(name).append(" | ").append(String.format("%.2f %s", value, unit))
            .append(" | ").append(value <= limit ? "yes" : "**no**").append(" |\n");
    }

    private String machine() throws IOException
    {
        String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
            .findFirst().map(l -> l.substring(l.indexOf(':') + 2)).orElse("?");
        String mem = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
            .findFirst().map(l -> String.format("%.1f GiB RAM", Long.parseLong(l.replaceAll("[^0-9]", "")) / 1048576.0)).orElse("?");
        String kernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        return cpu + ", " + Runtime.getRuntime().availableProcessors() + " cores, " + mem + ", Linux " + kernel +
            "; server JVMs: " + javaVersion(options.get("java17")) + " and " + javaVersion(options.get("java25")) +
            "; client JVM: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version") +
            "; gtlsclient: " + options.getOrDefault("gtls-version", "?") + "; Jetty 12.1.5; h3connector's QUIC engine: Netty 4.2.18 " +
            "(netty-codec-native-quic linux-x86_64, quiche release build + BoringSSL); Jetty's HTTP/3 client and the stock row: quiche (jetty-quiche-native) 0.24.5";
    }

    private static String javaVersion(String home)
    {
        try
        {
            Process p = new ProcessBuilder(Path.of(home, "bin", "java").toString(), "-version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            String[] lines = out.split("\n");
            return lines.length > 1 ? lines[1].strip() : out.strip();
        }
        catch (IOException | InterruptedException x)
        {
            return home;
        }
    }

    // ---------------------------------------------------------------- helpers

    private static String filter(String classpath, String... without)
    {
        return Arrays.stream(classpath.split(":"))
            .filter(entry -> Arrays.stream(without).noneMatch(entry::contains))
            .reduce((x, y) -> x + ":" + y).orElse("");
    }

    private static List<String> concat(List<String> list, String... more)
    {
        List<String> all = new ArrayList<>(list);
        all.addAll(List.of(more));
        return all;
    }

    static double median(double[] values)
    {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static double mbps(long bytes, double seconds)
    {
        return bytes / 1e6 / seconds;
    }

    /** @return {median MB/s, "min–max"} */
    private static String[] throughput(double[] seconds, long bytes)
    {
        double[] rates = Arrays.stream(seconds).map(s -> mbps(bytes, s)).sorted().toArray();
        return new String[]{String.format("%.1f", median(rates)), String.format("%.1f–%.1f", rates[0], rates[rates.length - 1])};
    }

    private static double cpuSeconds(long[] before, long[] after)
    {
        return (after[0] - before[0] + after[1] - before[1]) / (double)TICKS_PER_SECOND;
    }

    private static String cpuPer(long[] before, long[] after, double units)
    {
        double user = (after[0] - before[0]) / (double)TICKS_PER_SECOND;
        double system = (after[1] - before[1]) / (double)TICKS_PER_SECOND;
        return String.format("%.2f (%.0f%% sys)", (user + system) / units, 100 * system / Math.max(1e-9, user + system));
    }

    private static String mib(long kib)
    {
        return String.format("%.0f", kib / 1024.0);
    }

    private static String sha256(Path file) throws IOException
    {
        MessageDigest digest = Pattern.sha256();
        byte[] buffer = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file))
        {
            int read;
            while ((read = in.read(buffer)) > 0)
                digest.update(buffer, 0, read);
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
