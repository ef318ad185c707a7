package io.github.h3connector.jetty;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 8 MiB HTTP/3 downloads and uploads through ngtcp2's {@code gtlsclient}, which drops the share of packets it is told
 * to ({@code --tx-loss}: what it sends, {@code --rx-loss}: what it receives). Every downloaded body is checked by size
 * and SHA-256, every upload by the size and SHA-256 the servlet read.
 */
final class GtlsclientTransfers
{
    private static final int MIB = 8;
    private static final int PARALLEL = 2;

    private GtlsclientTransfers()
    {
    }

    static void transfers(Path temp, double txLoss, double rxLoss, int downloads, int uploads) throws Exception
    {
        GtlsClientInteropTest.requireGtlsclient();
        Path upload = temp.resolve("upload.bin");
        String uploadSha = ReliabilitySupport.content(upload, MIB << 20, 4242);
        try (TestServer server = ReliabilitySupport.started(H3Options.builder()))
        {
            int port = server.udpPort();
            ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);
            try
            {
                long start = System.nanoTime();
                List<Future<Long>> results = new ArrayList<>();
                for (int i = 0; i < downloads; i++)
                {
                    int seed = i + 1;
                    results.add(pool.submit(() -> download(temp, port, txLoss, rxLoss, seed)));
                }
                for (int i = 0; i < uploads; i++)
                {
                    int n = i;
                    results.add(pool.submit(() -> upload(temp, port, txLoss, rxLoss, upload, uploadSha, n)));
                }
                long slowest = 0;
                for (Future<Long> result : results)
                    slowest = Math.max(slowest, result.get());
                double seconds = (System.nanoTime() - start) / 1e9;
                ReliabilitySupport.figure("packet-loss", String.format(
                    "loss tx %.2f rx %.2f: %d downloads + %d uploads of %d MiB, all SHA-256 correct, %.1f s total (%d in parallel), slowest transfer %.1f s",
                    txLoss, rxLoss, downloads, uploads, MIB, seconds, PARALLEL, slowest / 1e9));
            }
            finally
            {
                pool.shutdownNow();
            }
        }
    }

    static long download(Path temp, int port, double txLoss, double rxLoss, int seed) throws Exception
    {
        Path directory = Files.createDirectories(temp.resolve("download-" + seed));
        long start = System.nanoTime();
        ReliabilitySupport.ProcessResult result = gtlsclient(port, txLoss, rxLoss, directory, null, "https://127.0.0.1:" + port + "/bytes?mib=" + MIB + "&seed=" + seed);
        long nanos = System.nanoTime() - start;
        Path file = onlyFile(directory, result);
        assertEquals((long)MIB << 20, Files.size(file), "download " + seed + " size; " + tail(result));
        assertEquals(ReliabilitySupport.content(null, MIB << 20, seed), ReliabilitySupport.sha256(file), "download " + seed + " SHA-256");
        Files.delete(file);
        return nanos;
    }

    static long upload(Path temp, int port, double txLoss, double rxLoss, Path upload, String sha, int n) throws Exception
    {
        Path directory = Files.createDirectories(temp.resolve("upload-" + n));
        long start = System.nanoTime();
        ReliabilitySupport.ProcessResult result = gtlsclient(port, txLoss, rxLoss, directory, upload, "https://127.0.0.1:" + port + "/sha256");
        long nanos = System.nanoTime() - start;
        String answer = Files.readString(onlyFile(directory, result)).strip();
        assertEquals(sha + " " + (MIB << 20), answer, "upload " + n + " as the server received it; " + tail(result));
        return nanos;
    }

    static ReliabilitySupport.ProcessResult gtlsclient(int port, double txLoss, double rxLoss, Path directory, Path data, String uri) throws Exception
    {
        List<String> command = new ArrayList<>(List.of(GtlsClientInteropTest.GTLSCLIENT.toString(), "--quiet", "--exit-on-all-streams-close",
            "--tx-loss=" + txLoss, "--rx-loss=" + rxLoss, "--timeout=60s", "--handshake-timeout=60s", "--download=" + directory));
        if (data != null)
            command.addAll(List.of("-m", "POST", "--data=" + data));
        command.addAll(List.of("127.0.0.1", String.valueOf(port), uri));
        ReliabilitySupport.ProcessResult result = ReliabilitySupport.run(240, command.toArray(String[]::new));
        assertTrue(result.finished(), "gtlsclient did not finish within 240 s: " + tail(result));
        assertEquals(0, result.exit(), tail(result));
        return result;
    }

    private static Path onlyFile(Path directory, ReliabilitySupport.ProcessResult result) throws Exception
    {
        try (Stream<Path> files = Files.list(directory))
        {
            List<Path> list = files.toList();
            assertEquals(1, list.size(), "files in " + directory + ": " + list + "; " + tail(result));
            return list.get(0);
        }
    }

    private static String tail(ReliabilitySupport.ProcessResult result)
    {
        String output = result.output();
        return "exit " + result.exit() + ", output: " + (output.length() > 2000 ? output.substring(output.length() - 2000) : output);
    }
}
