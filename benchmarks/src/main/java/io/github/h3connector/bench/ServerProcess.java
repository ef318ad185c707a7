package io.github.h3connector.bench;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A {@link BenchServer} (or another server: {@link NettyH3Server}, Caddy) in its own process, with its CPU time and
 * peak RSS read from {@code /proc/<pid>}.
 */
final class ServerProcess implements AutoCloseable
{
    final String label;
    final String javaHome;
    final Process process;
    final int tcpPort;
    final int udpPort;
    /** epoll or nio (h3connector, Netty), quiche (stock Jetty), caddy */
    final String udpIo;
    /** A description of the server's QUIC settings, from its {@code READY} line. */
    final String quicSettings;
    /** Java servers stop when their stdin closes; anything else (Caddy) gets SIGTERM. */
    private final boolean stopsOnStdinClose;

    /** @param ready {@code READY <tcpPort> <udpPort> <udpIo> <settings>}, settings being free text */
    private ServerProcess(String label, String javaHome, Process process, String ready)
    {
        this.label = label;
        this.javaHome = javaHome;
        this.process = process;
        this.stopsOnStdinClose = true;
        String[] parts = ready.split(" ", 5);
        tcpPort = Integer.parseInt(parts[1]);
        udpPort = Integer.parseInt(parts[2]);
        udpIo = parts[3];
        quicSettings = parts.length > 4 ? parts[4] : "";
    }

    private ServerProcess(String label, Process process, int port, String udpIo, String settings)
    {
        this.label = label;
        this.javaHome = null;
        this.process = process;
        this.stopsOnStdinClose = false;
        this.tcpPort = port;
        this.udpPort = port;
        this.udpIo = udpIo;
        this.quicSettings = settings;
    }

    static ServerProcess start(String label, String javaHome, String classpath, List<String> jvmArgs, List<String> serverArgs, Path logDirectory) throws IOException
    {
        return start(label, javaHome, classpath, jvmArgs, BenchServer.class.getName(), serverArgs, logDirectory, 1);
    }

    /** A Java server other than {@link BenchServer} that prints the same {@code READY} line. */
    static ServerProcess start(String label, String javaHome, String classpath, List<String> jvmArgs, String mainClass, List<String> serverArgs, Path logDirectory) throws IOException
    {
        return start(label, javaHome, classpath, jvmArgs, mainClass, serverArgs, logDirectory, 1);
    }

    /**
     * A non-Java server listening on {@code port} (TCP and UDP), ready once a line of its output contains {@code ready};
     * its combined output goes to its log.
     */
    static ServerProcess startExternal(String label, List<String> command, Map<String, String> environment, String ready, int port,
                                       String udpIo, String settings, Path logDirectory) throws IOException
    {
        Files.createDirectories(logDirectory);
        Path log = logDirectory.resolve("server-" + label.replaceAll("[^A-Za-z0-9.-]+", "_") + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process process = builder.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        BufferedWriter logWriter = Files.newBufferedWriter(log, StandardCharsets.UTF_8);
        String line;
        while ((line = out.readLine()) != null)
        {
            logWriter.write(line + "\n");
            if (line.contains(ready))
                break;
        }
        logWriter.flush();
        if (line == null)
        {
            logWriter.close();
            process.destroyForcibly();
            throw new IOException("server " + label + " did not start; see " + log + ":\n" + Files.readString(log));
        }
        Thread drain = new Thread(() ->
        {
            try (logWriter)
            {
                String more;
                while ((more = out.readLine()) != null)
                {
                    logWriter.write(more + "\n");
                    logWriter.flush();
                }
            }
            catch (IOException ignored)
            {
                // process gone
            }
        }, "drain-" + label);
        drain.setDaemon(true);
        drain.start();
        return new ServerProcess(label, process, port, udpIo, settings);
    }

    private static ServerProcess start(String label, String javaHome, String classpath, List<String> jvmArgs, String mainClass, List<String> serverArgs, Path logDirectory, int attempt) throws IOException
    {
        List<String> command = new ArrayList<>();
        command.add(Path.of(javaHome, "bin", "java").toString());
        command.add("-Xms512m");
        command.add("-Xmx1g");
        command.add("-XX:+FlightRecorder");
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass);
        command.addAll(serverArgs);
        Files.createDirectories(logDirectory);
        Path log = logDirectory.resolve("server-" + label.replaceAll("[^A-Za-z0-9.-]+", "_") + ".log");
        Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.startsWith("READY "))
        {
            // skip
        }
        if (line == null)
        {
            process.destroyForcibly();
            String output = Files.readString(log);
            // Port 0 picks a free TCP port; its UDP twin can be taken by some client's socket: try another.
            if (output.contains("UdpPortInUseException") && attempt < 3)
                return start(label, javaHome, classpath, jvmArgs, mainClass, serverArgs, logDirectory, attempt + 1);
            throw new IOException("server " + label + " did not start; see " + log + ":\n" + output);
        }
        Thread drain = new Thread(() ->
        {
            try
            {
                while (out.readLine() != null)
                {
                    // drain
                }
            }
            catch (IOException ignored)
            {
                // process gone
            }
        }, "drain-" + label);
        drain.setDaemon(true);
        drain.start();
        return new ServerProcess(label, javaHome, process, line);
    }

    long pid()
    {
        return process.pid();
    }

    /** @return {utime, stime} in clock ticks */
    long[] cpuTicks() throws IOException
    {
        String stat = Files.readString(Path.of("/proc", String.valueOf(pid()), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return new long[]{Long.parseLong(fields[11]), Long.parseLong(fields[12])};
    }

    /** Resets VmHWM to the current RSS (Linux 4.0+), so the next {@link #peakRssKiB()} is the peak since now. */
    boolean resetPeak()
    {
        try
        {
            Files.writeString(Path.of("/proc", String.valueOf(pid()), "clear_refs"), "5");
            return true;
        }
        catch (IOException x)
        {
            return false;
        }
    }

    long peakRssKiB() throws IOException
    {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid()), "status")))
        {
            if (line.startsWith("VmHWM:"))
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
        return -1;
    }

    /** Runs the server JDK's jcmd against this server. */
    String jcmd(String... arguments) throws IOException, InterruptedException
    {
        List<String> command = new ArrayList<>();
        command.add(Path.of(javaHome, "bin", "jcmd").toString());
        command.add(String.valueOf(pid()));
        command.addAll(List.of(arguments));
        Process jcmd = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!jcmd.waitFor(60, TimeUnit.SECONDS) || jcmd.exitValue() != 0)
            throw new IOException("jcmd " + String.join(" ", arguments) + " failed: " + output);
        return output;
    }

    @Override
    public void close() throws Exception
    {
        if (!stopsOnStdinClose)
            process.destroy();
        try (OutputStream in = process.getOutputStream())
        {
            in.flush();
        }
        catch (IOException ignored)
        {
            // already gone
        }
        if (!process.waitFor(15, TimeUnit.SECONDS))
        {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS))
                process.destroyForcibly();
        }
    }
}
