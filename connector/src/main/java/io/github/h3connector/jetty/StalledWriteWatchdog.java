package io.github.h3connector.jetty;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.io.CyclicTimeouts;
import org.eclipse.jetty.quic.api.Session;
import org.eclipse.jetty.quic.quiche.QuicheSession;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wakes QUIC sessions that went quiet, once per quiet spell, so that data Jetty left with quiche gets sent.
 *
 * <p>Jetty 12.1.5 drives quiche's sending only from stream writes and from quiche's timer; it does not ask quiche for
 * packets after feeding it a datagram, although an ACK may have freed congestion window for bytes already queued, and
 * a resumed stream write can be lost to a race ({@code QuicheStream.write} marks a write pending after quiche refused
 * the bytes; a resume in between sees nothing pending). Either way both ends can end up waiting for each other until
 * the 30 s idle timeout closes the connection with the response truncated. Seen with gtlsclient at 10 % loss both
 * ways: an 8 MiB download stopped at 8,292,786 bytes (CI), another at 7,925,209 with the server's stream already
 * complete, the client's last ACK sent and nothing after it for 20 s (about 1 download in 60 under CPU contention).
 *
 * <p>A session is quiet when it neither received a datagram nor flushed for {@link #QUIET_MILLIS}. Waking it re-runs
 * Jetty's stream producer, which resumes every writable stream with a pending write, and flushes, which sends what
 * quiche has queued and re-arms its timer. An idle keep-alive connection costs one wake per quiet spell.
 */
final class StalledWriteWatchdog
{
    private static final Logger LOG = LoggerFactory.getLogger(StalledWriteWatchdog.class);
    /** Far above a loopback or LAN round trip, far below any idle timeout. */
    static final long QUIET_MILLIS = 200;

    private final Scheduler scheduler;
    private final Set<Session> sessions;
    /** The activity timestamp (expiry) each session had when it was last woken, so a quiet spell wakes it once. */
    private final Map<Session, Long> wokenAt = new ConcurrentHashMap<>();
    private volatile Scheduler.Task next;
    private volatile boolean running;

    StalledWriteWatchdog(Scheduler scheduler, Set<Session> sessions)
    {
        this.scheduler = scheduler;
        this.sessions = sessions;
    }

    void start()
    {
        running = true;
        schedule();
    }

    void stop()
    {
        running = false;
        Scheduler.Task task = next;
        if (task != null)
            task.cancel();
        wokenAt.clear();
    }

    private void schedule()
    {
        if (!running)
            return;
        try
        {
            next = scheduler.schedule(this::check, QUIET_MILLIS / 2, TimeUnit.MILLISECONDS);
        }
        catch (RejectedExecutionException x)
        {
            LOG.debug("scheduler stopped", x);
        }
    }

    /** @return how many sessions were woken */
    int check()
    {
        int woken = 0;
        try
        {
            long now = System.nanoTime();
            wokenAt.keySet().retainAll(sessions);
            for (Session session : sessions)
            {
                if (!(session instanceof QuicheSession quiche) || !(session instanceof CyclicTimeouts.Expirable expirable))
                    continue;
                long idleTimeout = quiche.getIdleTimeout();
                if (idleTimeout <= 0)
                    continue; // no activity timestamp to read
                // Jetty moves the expiry to now + idle timeout on every datagram received and every flush.
                long expiry = expirable.getExpireNanoTime();
                long lastActivity = expiry - TimeUnit.MILLISECONDS.toNanos(idleTimeout);
                if (now - lastActivity < TimeUnit.MILLISECONDS.toNanos(QUIET_MILLIS))
                    continue;
                Long previous = wokenAt.get(session);
                if (previous != null && previous == expiry)
                    continue; // woken already, and nothing happened since
                quiche.dispatch();
                quiche.flush();
                // flush() counts as activity: remember the expiry it set, so this quiet spell is not woken again.
                wokenAt.put(session, expirable.getExpireNanoTime());
                woken++;
            }
        }
        catch (Throwable x)
        {
            LOG.warn("stalled-write check failed", x);
        }
        finally
        {
            schedule();
        }
        return woken;
    }
}
