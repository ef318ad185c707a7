package io.github.h3connector.jetty;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * Waits for a condition that the code under test makes true. The timeout only stops a hung test: it is generous, and
 * how soon the condition holds never decides the outcome. A failure says what was awaited and, when given, the state
 * seen last.
 */
final class Await
{
    private static final long POLL_MILLIS = 10;

    private Await()
    {
    }

    interface Condition
    {
        boolean holds();
    }

    /** Returns as soon as {@code condition} holds; throws an AssertionError naming {@code description} after {@code timeout}. */
    static void await(Condition condition, Duration timeout, String description)
    {
        await(condition, timeout, () -> description);
    }

    /** As {@link #await(Condition, Duration, String)}; {@code description} is evaluated on failure, so it can show the state. */
    static void await(Condition condition, Duration timeout, Supplier<String> description)
    {
        await(condition, timeout, Duration.ofMillis(POLL_MILLIS), description);
    }

    /** As {@link #await(Condition, Duration, Supplier)}, looking every {@code every}: for conditions about progress between looks. */
    static void await(Condition condition, Duration timeout, Duration every, Supplier<String> description)
    {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.holds())
        {
            if (System.nanoTime() - deadline > 0)
                throw new AssertionError("waited " + timeout.toSeconds() + " s for " + description.get());
            try
            {
                Thread.sleep(every.toMillis());
            }
            catch (InterruptedException x)
            {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + description.get(), x);
            }
        }
    }
}
