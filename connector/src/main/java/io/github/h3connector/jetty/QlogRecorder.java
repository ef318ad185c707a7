package io.github.h3connector.jetty;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import io.github.h3connector.quic.QlogSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses which QUIC connections write a qlog: every one when {@link H3Options#qlogDirectory()} is set, or the next N
 * after {@link #recordNext}. Files are named {@code h3-<time>-<n>.sqlog} (quiche writes JSON-SEQ, which qvis opens).
 *
 * <p>The bound: as a recorded connection starts or ends, the oldest {@code h3-*.sqlog} files of connections that have
 * ended are deleted until all of them together fit in the bound. A connection still running keeps its file, which
 * may grow past the bound until it ends; a file that alone exceeds the bound is deleted when its connection ends.
 * Other files in the directory are never touched.
 */
final class QlogRecorder implements QlogSink
{
    private static final Logger LOG = LoggerFactory.getLogger(QlogRecorder.class);
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss");
    private static final String PREFIX = "h3-";
    private static final String SUFFIX = ".sqlog";

    // Guarded by this.
    private final Set<Path> writing = new HashSet<>();
    private Path directory;
    private long maxBytes;
    private long remaining;
    private long sequence;

    QlogRecorder(H3Options options)
    {
        maxBytes = options.qlogMaxBytes();
        directory = options.qlogDirectory().orElse(null);
        remaining = directory == null ? 0 : Long.MAX_VALUE;
    }

    /**
     * Records the next {@code connections} new connections into {@code directory}, replacing what was asked before.
     *
     * @throws IllegalArgumentException with a one-line reason when the arguments cannot work
     */
    synchronized void recordNext(int connections, Path directory, long maxBytes)
    {
        if (connections < 0)
            throw new IllegalArgumentException("qlog connections must be 0 or more, got " + connections);
        if (maxBytes < 64 * 1024)
            throw new IllegalArgumentException("qlog maxBytes must be at least 65536, got " + maxBytes);
        try
        {
            Files.createDirectories(directory);
        }
        catch (IOException x)
        {
            throw new IllegalArgumentException("qlog directory " + directory + " cannot be created: " + x.getMessage() + "; name a writable directory", x);
        }
        if (!Files.isWritable(directory))
            throw new IllegalArgumentException("qlog directory " + directory + " is not writable; name a writable directory");
        this.directory = directory;
        this.maxBytes = maxBytes;
        this.remaining = connections;
    }

    /** @return connections still to be recorded; {@link Long#MAX_VALUE} for all */
    synchronized long remaining()
    {
        return remaining;
    }

    synchronized Path directory()
    {
        return directory;
    }

    @Override
    public synchronized Path nextConnection()
    {
        if (remaining <= 0 || directory == null)
            return null;
        if (remaining != Long.MAX_VALUE)
            remaining--;
        try
        {
            Files.createDirectories(directory);
        }
        catch (IOException x)
        {
            LOG.warn("cannot create qlog directory {}: {}", directory, x.toString());
            return null;
        }
        enforceBound();
        Path file = directory.resolve(PREFIX + LocalDateTime.now().format(TIME) + "-" + (++sequence) + "-" + ProcessHandle.current().pid() + SUFFIX);
        writing.add(file);
        return file;
    }

    @Override
    public synchronized void connectionEnded(Path file)
    {
        writing.remove(file);
        enforceBound();
    }

    private void enforceBound()
    {
        if (directory == null || !Files.isDirectory(directory))
            return;
        List<Path> files = new ArrayList<>();
        try (Stream<Path> list = Files.list(directory))
        {
            list.filter(path -> path.getFileName().toString().startsWith(PREFIX) && path.getFileName().toString().endsWith(SUFFIX))
                .filter(Files::isRegularFile)
                .forEach(files::add);
        }
        catch (IOException | UncheckedIOException x)
        {
            LOG.warn("cannot list qlog directory {}: {}", directory, x.toString());
            return;
        }
        long total = 0;
        List<Path> ended = new ArrayList<>();
        for (Path file : files)
        {
            total += size(file);
            if (!writing.contains(file))
                ended.add(file);
        }
        ended.sort(Comparator.comparingLong(QlogRecorder::modified).thenComparing(Path::toString));
        for (Path file : ended)
        {
            if (total <= maxBytes)
                break;
            long size = size(file);
            try
            {
                Files.deleteIfExists(file);
                total -= size;
            }
            catch (IOException x)
            {
                LOG.warn("cannot delete qlog file {} to keep the directory under {} bytes: {}", file, maxBytes, x.toString());
            }
        }
    }

    private static long size(Path file)
    {
        try
        {
            return Files.size(file);
        }
        catch (IOException x)
        {
            return 0;
        }
    }

    private static long modified(Path file)
    {
        try
        {
            return Files.getLastModifiedTime(file).toMillis();
        }
        catch (IOException x)
        {
            return 0;
        }
    }
}
