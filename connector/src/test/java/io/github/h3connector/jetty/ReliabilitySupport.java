package io.github.h3connector.jetty;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/** Shared pieces of the Reliability* tests: servlets, resource figures, report files. */
final class ReliabilitySupport
{
    static final int CHUNK = 64 * 1024;
    static final Path REPORTS = Path.of(System.getProperty("basedir", "."), "target", "reliability").toAbsolutePath();

    private ReliabilitySupport()
    {
    }

    /**
     * A {@link TestServer} not started yet, with the reliability servlets added and a thread pool that gives idle
     * threads back after 2 s, up to 16 at a time (Jetty's default is one per idle timeout: after a burst of 2,000
     * handshakes grew the pool by 63 threads, that took minutes), so that thread counts can return to their baseline
     * within a test.
     */
    static TestServer server(H3Options.Builder options) throws Exception
    {
        TestServer server = new TestServer(options);
        QueuedThreadPool threads = (QueuedThreadPool)server.server.getThreadPool();
        threads.setIdleTimeout(2000);
        threads.setMaxEvictCount(16);
        addServlets((ServletContextHandler)server.server.getHandler());
        return server;
    }

    /** As {@link TestServer#started(H3Options.Builder)}: tries again when port 0's TCP port is taken on UDP. */
    static TestServer started(H3Options.Builder options) throws Exception
    {
        for (int attempt = 1; ; attempt++)
        {
            TestServer server = server(options);
            try
            {
                server.server.start();
                return server;
            }
            catch (UdpPortInUseException taken)
            {
                server.server.stop();
                if (attempt == 5)
                    throw taken;
            }
        }
    }

    /**
     * <ul>
     *   <li>{@code GET /bytes?mib=M&seed=S[&delayMs=D]}: M MiB of pseudo-random bytes from seed S (see {@link #content}),
     *       after an optional delay; </li>
     *   <li>{@code POST /sha256}: reads the whole body, answers its SHA-256 in hex and its length;</li>
     * </ul>
     */
    static void addServlets(ServletContextHandler context)
    {
        context.addServlet(new ServletHolder(new HttpServlet()
        {
            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
            {
                long bytes = (long)(Double.parseDouble(param(request, "mib", "1")) * 1024 * 1024);
                long seed = Long.parseLong(param(request, "seed", "1"));
                long delay = Long.parseLong(param(request, "delayMs", "0"));
                sleep(delay);
                response.setContentType("application/octet-stream");
                response.setContentLengthLong(bytes);
                SplittableRandom random = new SplittableRandom(seed);
                byte[] chunk = new byte[CHUNK];
                for (long written = 0; written < bytes; written += chunk.length)
                {
                    fill(random, chunk);
                    response.getOutputStream().write(chunk, 0, (int)Math.min(chunk.length, bytes - written));
                }
            }
        }), "/bytes");
        context.addServlet(new ServletHolder(new HttpServlet()
        {
            @Override
            protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException
            {
                MessageDigest sha = sha256();
                long length = 0;
                byte[] buffer = new byte[CHUNK];
                try (InputStream in = request.getInputStream())
                {
                    for (int read = in.read(buffer); read >= 0; read = in.read(buffer))
                    {
                        sha.update(buffer, 0, read);
                        length += read;
                    }
                }
                response.setContentType("text/plain");
                response.getWriter().print(HexFormat.of().formatHex(sha.digest()) + " " + length);
            }
        }), "/sha256");
    }

    private static String param(HttpServletRequest request, String name, String fallback)
    {
        String value = request.getParameter(name);
        return value == null ? fallback : value;
    }

    static void sleep(long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
        }
    }

    static void fill(SplittableRandom random, byte[] chunk)
    {
        for (int i = 0; i < chunk.length; i += 8)
        {
            long value = random.nextLong();
            for (int j = 0; j < 8; j++)
                chunk[i + j] = (byte)(value >>> (8 * j));
        }
    }

    /** The bytes {@code /bytes?mib=M&seed=S} serves, written to {@code file}; returns their SHA-256 in hex. */
    static String content(Path file, long bytes, long seed) throws IOException
    {
        MessageDigest sha = sha256();
        SplittableRandom random = new SplittableRandom(seed);
        byte[] chunk = new byte[CHUNK];
        try (var out = file == null ? null : Files.newOutputStream(file))
        {
            for (long written = 0; written < bytes; written += chunk.length)
            {
                fill(random, chunk);
                int length = (int)Math.min(chunk.length, bytes - written);
                sha.update(chunk, 0, length);
                if (out != null)
                    out.write(chunk, 0, length);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    static String sha256(byte[] bytes)
    {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }

    static String sha256(Path file) throws IOException
    {
        MessageDigest sha = sha256();
        byte[] buffer = new byte[CHUNK];
        try (InputStream in = Files.newInputStream(file))
        {
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer))
                sha.update(buffer, 0, read);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    static MessageDigest sha256()
    {
        try
        {
            return MessageDigest.getInstance("SHA-256");
        }
        catch (NoSuchAlgorithmException x)
        {
            throw new IllegalStateException(x);
        }
    }

    /** Heap, threads and file descriptors of this JVM, which runs both the server and the clients. */
    record Resources(long heapBytes, int threads, long fds)
    {
        static Resources now()
        {
            return new Resources(heapAfterGc(), ManagementFactory.getThreadMXBean().getThreadCount(), openFds());
        }

        @Override
        public String toString()
        {
            return String.format("heap %.1f MiB, %d threads, %d fds", heapBytes / 1048576.0, threads, fds);
        }
    }

    static long heapAfterGc()
    {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++)
        {
            System.gc();
            sleep(100);
            best = Math.min(best, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return best;
    }

    static long openFds()
    {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd")))
        {
            return fds.count();
        }
        catch (IOException x)
        {
            throw new UncheckedIOException(x);
        }
    }

    /**
     * Waits up to {@code seconds} for heap, threads and fds to come back within the tolerances of {@code baseline};
     * returns the last figures, which the caller asserts on.
     */
    static Resources awaitBaseline(Resources baseline, long heapTolerance, int threadTolerance, long fdTolerance, int seconds)
    {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        Resources now = Resources.now();
        while (System.nanoTime() < deadline && !within(baseline, now, heapTolerance, threadTolerance, fdTolerance))
        {
            sleep(500);
            now = Resources.now();
        }
        return now;
    }

    static boolean within(Resources baseline, Resources now, long heapTolerance, int threadTolerance, long fdTolerance)
    {
        return now.heapBytes() <= baseline.heapBytes() + heapTolerance && now.threads() <= baseline.threads() + threadTolerance &&
            now.fds() <= baseline.fds() + fdTolerance;
    }

    /**
     * @return the datagrams the kernel dropped at the UDP socket bound to {@code port} (last column of /proc/net/udp,
     * or of /proc/net/udp6: the JDK opens dual-stack sockets, so a server bound to 127.0.0.1 is listed there), or -1
     */
    static long socketDrops(int port) throws java.io.IOException
    {
        String local = String.format(":%04X ", port);
        for (String table : new String[]{"/proc/net/udp", "/proc/net/udp6"})
        {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of(table)))
            {
                String[] fields = line.trim().split("\\s+");
                if (fields.length > 12 && (fields[1] + " ").endsWith(local))
                    return Long.parseLong(fields[fields.length - 1]);
            }
        }
        return -1;
    }

    /** @return the kernel's drops at {@code port} since {@code before} (a {@link #socketDrops} value), or "not measured" */
    static String socketDropsSince(int port, long before) throws java.io.IOException
    {
        long now = socketDrops(port);
        return before < 0 || now < 0 ? "not measured" : String.valueOf(now - before);
    }

    /** Appends a line to target/reliability/figures.txt and prints it, so that each run leaves its numbers. */
    static synchronized void figure(String test, String line)
    {
        String text = test + ": " + line;
        System.out.println("[reliability] " + text);
        try
        {
            Files.createDirectories(REPORTS);
            Files.writeString(REPORTS.resolve("figures.txt"), java.time.Instant.now() + " " + text + "\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        }
        catch (IOException x)
        {
            throw new UncheckedIOException(x);
        }
    }

    /** Runs a command, returns exit code and output; fails after {@code seconds}. */
    static ProcessResult run(int seconds, String... command) throws IOException, InterruptedException
    {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        return finish(process, seconds);
    }

    static ProcessResult finish(Process process, int seconds) throws InterruptedException
    {
        StringBuilder output = new StringBuilder();
        Thread reader = new Thread(() ->
        {
            try (InputStream in = process.getInputStream())
            {
                output.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            catch (IOException ignored)
            {
                // process killed
            }
        });
        reader.start();
        boolean done = process.waitFor(seconds, TimeUnit.SECONDS);
        if (!done)
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        reader.join(5000);
        return new ProcessResult(done ? process.exitValue() : -1, done, output.toString());
    }

    record ProcessResult(int exit, boolean finished, String output)
    {
    }
}
