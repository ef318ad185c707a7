package io.github.h3connector.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.github.h3connector.tls.SelfSignedCertificate;

/**
 * A/B of the 1 KiB request rows alone (and optionally gtlsclient bulk downloads), for engine work: starts one server
 * JVM per variant, in turn, {@code --repeat} times, so that all variants see the same machine load; one shared client
 * JVM (its own JIT warm-up slows the first server it meets: compare the later runs). Per concurrency level it prints
 * the median req/s, server CPU per 10,000 requests (all threads, and without the JIT compiler threads, which a fresh
 * JVM spends much in), context switches of all server threads per request (thread hand-offs), UDP datagrams sent by
 * the machine per request (client and server: for comparisons only) and UDP receive-buffer drops.
 *
 * <pre>
 * benchmarks/ab.sh "base=/path/a.jar;new|-Dsome.flag=1=/path/b.jar;netty=any.jar" [options]
 *   (a variant is name[|jvm-arg...]=connector-jar; a name starting with "netty" runs NettyH3Server instead)
 *   --repeat 2 --rounds 3 --warmup 4 (s) --concurrency 16,64 --protocols h3[,h2,nh3,h2load]|none (nh3: Netty's HTTP/3 client, h2load: nghttp2's) --gtls N (64 MiB downloads) --jdown N (64 MiB, Jetty's client)
 *   --server-args "..." --jvm "..." (every server) --jfr PREFIX --perf PREFIX (perf record of the last level)
 * </pre>
 */
public final class SmallBench
{
    public static void main(String[] args) throws Exception
    {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2)
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        String java = options.get("java");
        String keyStore = options.get("keystore");
        int repeat = Integer.parseInt(options.getOrDefault("repeat", "2"));
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "3"));
        int gtls = Integer.parseInt(options.getOrDefault("gtls", "0"));
        int[] concurrencies = Arrays.stream(options.getOrDefault("concurrency", "16,64").split(",")).mapToInt(Integer::parseInt).toArray();
        List<String> protocols = options.getOrDefault("protocols", "h3").equals("none") ? List.of() : List.of(options.getOrDefault("protocols", "h3").split(","));
        List<String> serverArgs = new ArrayList<>(List.of(options.getOrDefault("server-args", "").split(" ")));
        serverArgs.removeIf(String::isEmpty);
        String sha = Pattern.sha256(1024);
        SelfSignedCertificate.createIfAbsent(Path.of(keyStore), BenchServer.PASSWORD, "localhost", "127.0.0.1");
        Path logs = Path.of(options.getOrDefault("logs", "benchmarks/target/smallbench"));
        try (Clients clients = new Clients())
        {
            for (int r = 0; r < repeat; r++)
            {
                for (String variant : options.get("variants").split(";"))
                {
                    String[] nameAndJvm = variant.substring(0, variant.lastIndexOf('=')).split("\\|");
                    String name = nameAndJvm[0];
                    List<String> extraJvm = List.of(nameAndJvm).subList(1, nameAndJvm.length);
                    String cp = variant.substring(variant.lastIndexOf('=') + 1);
                    List<String> sargs = new ArrayList<>(List.of("--keystore", keyStore, "--mode", options.getOrDefault("mode", "h3connector")));
                    sargs.addAll(serverArgs);
                    boolean netty = name.startsWith("netty");
                    try (ServerProcess server = netty
                        ? ServerProcess.start(name, java, cp, List.of(), NettyH3Server.class.getName(), List.of("--keystore", keyStore), logs)
                        : ServerProcess.start(name, java, cp, concat(jvmArgs(options, name), extraJvm), sargs, logs))
                    {
                        StringBuilder line = new StringBuilder(String.format("%-8s", name));
                        for (String protocol : protocols)
                        {
                            String base = "https://127.0.0.1:" + (protocol.contains("h3") ? server.udpPort : server.tcpPort);
                            for (int concurrency : concurrencies)
                            {
                                clients.smallRequests(protocol, base, concurrency, Double.parseDouble(options.getOrDefault("warmup", "4")), sha);
                                double[] rates = new double[rounds];
                                double requests = 0;
                                long[] c0 = server.cpuTicks();
                                long s0 = switches(server);
                                long j0 = jitTicks(server);
                                long u0 = udpOut();
                                long e0 = udp("RcvbufErrors");
                                Process perf = options.containsKey("perf") && concurrency == concurrencies[concurrencies.length - 1]
                                    ? new ProcessBuilder("perf", "record", "-F", "999", "-g", "-p", String.valueOf(server.pid()), "-o", options.get("perf") + "-" + name + ".data")
                                        .redirectErrorStream(true).redirectOutput(logs.resolve("perf.log").toFile()).start() : null;
                                for (int i = 0; i < rounds; i++)
                                {
                                    double[] result = clients.smallRequests(protocol, base, concurrency, 1.5, sha);
                                    rates[i] = result[0] / result[1];
                                    requests += result[0];
                                }
                                long[] c1 = server.cpuTicks();
                                long s1 = switches(server);
                                long j1 = jitTicks(server);
                                long u1 = udpOut();
                                long e1 = udp("RcvbufErrors");
                                if (perf != null)
                                {
                                    new ProcessBuilder("kill", "-INT", String.valueOf(perf.pid())).start().waitFor();
                                    perf.waitFor();
                                }
                                Arrays.sort(rates);
                                double cpu = (c1[0] - c0[0] + c1[1] - c0[1]) / 100.0;
                                line.append(String.format(" | %s@%d %,6.0f req/s (%,.0f-%,.0f) %.2f s/10k (%.2f w/o JIT) %.1f cs/req %.1f dgrams/req %d rcvbuf drops", protocol, concurrency,
                                    rates[rounds / 2], rates[0], rates[rounds - 1], cpu / (requests / 10_000), (cpu - (j1 - j0) / 100.0) / (requests / 10_000), (s1 - s0) / requests, (u1 - u0) / requests, e1 - e0));
                            }
                        }
                        int jdown = Integer.parseInt(options.getOrDefault("jdown", "0"));
                        if (jdown > 0)
                        {
                            // Jetty's HTTP/3 client, 64 MiB downloads: 2 warm-ups, then jdown measured.
                            String base = "https://127.0.0.1:" + server.udpPort;
                            String downloadSha = Pattern.sha256(64L << 20);
                            for (int i = 0; i < 2; i++)
                                Clients.download(clients.http3, base, 64L << 20, downloadSha);
                            double[] mbps = new double[jdown];
                            long[] c0 = server.cpuTicks();
                            long e0 = udp("RcvbufErrors");
                            for (int i = 0; i < jdown; i++)
                                mbps[i] = (64L << 20) / 1e6 / Clients.download(clients.http3, base, 64L << 20, downloadSha);
                            long[] c1 = server.cpuTicks();
                            long e1 = udp("RcvbufErrors");
                            Arrays.sort(mbps);
                            line.append(String.format(" | jetty-client down %.1f MB/s (%.1f-%.1f) %.1f s/GiB, %d rcvbuf drops", mbps[jdown / 2], mbps[0], mbps[jdown - 1],
                                (c1[0] - c0[0] + c1[1] - c0[1]) / 100.0 / (jdown * (64L << 20) / (double)(1L << 30)), e1 - e0));
                        }
                        if (gtls > 0)
                            line.append(" | gtls ").append(gtls(server, gtls, logs));
                        System.out.println(line + " | load " + Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
                    }
                }
            }
        }
        System.exit(0);
    }

    private static List<String> concat(List<String> a, List<String> b)
    {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static List<String> jvmArgs(Map<String, String> options, String name)
    {
        List<String> jvm = new ArrayList<>();
        if (options.containsKey("perf"))
            jvm.addAll(List.of("-XX:+UnlockDiagnosticVMOptions", "-XX:+DumpPerfMapAtExit", "-XX:+PreserveFramePointer"));
        if (options.containsKey("jfr"))
            jvm.add("-XX:StartFlightRecording=settings=profile,jdk.JavaExceptionThrow#enabled=true,filename=" + options.get("jfr") + "-" + name + ".jfr");
        if (options.containsKey("jvm"))
            jvm.addAll(List.of(options.get("jvm").split(" ")));
        return jvm;
    }

    /** UDP datagrams sent by the machine (client and server: an A/B measure only). */
    private static long udpOut() throws Exception
    {
        return udp("OutDatagrams");
    }

    private static long udp(String counter) throws Exception
    {
        List<String> lines = Files.readAllLines(Path.of("/proc/net/snmp"));
        for (int i = 0; i + 1 < lines.size(); i++)
        {
            if (lines.get(i).startsWith("Udp:") && lines.get(i + 1).startsWith("Udp:"))
            {
                List<String> names = List.of(lines.get(i).split(" +"));
                return Long.parseLong(lines.get(i + 1).split(" +")[names.indexOf(counter)]);
            }
        }
        return 0;
    }

    /** CPU ticks of the JIT compiler threads, which a fresh JVM spends a lot in. */
    private static long jitTicks(ServerProcess server) throws Exception
    {
        long total = 0;
        try (var tasks = Files.list(Path.of("/proc", String.valueOf(server.pid()), "task")))
        {
            for (Path task : tasks.toList())
            {
                try
                {
                    String stat = Files.readString(task.resolve("stat"));
                    String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    if (!comm.contains("CompilerThre"))
                        continue;
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    total += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                }
                catch (java.io.IOException gone)
                {
                    // thread ended (compiler threads come and go)
                }
            }
        }
        return total;
    }

    /** Context switches (voluntary and not) of all the server's threads: a count of thread hand-offs. */
    private static long switches(ServerProcess server) throws Exception
    {
        long total = 0;
        try (var tasks = Files.list(Path.of("/proc", String.valueOf(server.pid()), "task")))
        {
            for (Path task : tasks.toList())
            {
                try
                {
                    for (String l : Files.readAllLines(task.resolve("status")))
                    {
                        if (l.contains("ctxt_switches:"))
                            total += Long.parseLong(l.substring(l.indexOf(':') + 1).trim());
                    }
                }
                catch (java.io.IOException gone)
                {
                    // thread ended
                }
            }
        }
        return total;
    }

    private static String gtls(ServerProcess server, int n, Path logs) throws Exception
    {
        long size = 64L << 20;
        String url = "https://127.0.0.1:" + server.udpPort + "/bytes?n=" + size;
        Files.createDirectories(logs);
        for (int i = 0; i < 3; i++)
            download(server, url, logs);
        double[] mbps = new double[n];
        long[] c0 = server.cpuTicks();
        for (int i = 0; i < n; i++)
            mbps[i] = size / 1e6 / download(server, url, logs);
        long[] c1 = server.cpuTicks();
        Arrays.sort(mbps);
        double cpu = (c1[0] - c0[0] + c1[1] - c0[1]) / 100.0;
        return String.format("%.0f MB/s (%.0f-%.0f) %.1f s/GiB", mbps[n / 2], mbps[0], mbps[n - 1], cpu / (n * size / (double)(1L << 30)));
    }

    private static double download(ServerProcess server, String url, Path logs) throws Exception
    {
        Path directory = Files.createTempDirectory(logs, "gtls");
        long start = System.nanoTime();
        Process process = new ProcessBuilder("gtlsclient", "--quiet", "--exit-on-all-streams-close", "--download=" + directory,
            "127.0.0.1", String.valueOf(server.udpPort), url).redirectErrorStream(true).redirectOutput(logs.resolve("gtls.log").toFile()).start();
        process.waitFor();
        double seconds = (System.nanoTime() - start) / 1e9;
        try (var files = Files.list(directory))
        {
            for (Path f : files.toList())
            {
                if (Files.size(f) != 64L << 20)
                    throw new IllegalStateException("incomplete download " + Files.size(f));
                Files.delete(f);
            }
        }
        Files.delete(directory);
        return seconds;
    }
}
