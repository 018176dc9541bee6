package dev.relaymail.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Waits for something another thread does, instead of sleeping a fixed time and hoping it is done by then: returns as
 * soon as the condition holds, and fails only when it still does not after a bound generous enough for a busy
 * machine.
 */
public final class Await {
    /** Long enough for anything a test waits for on a loaded machine; only a failing test waits this long. */
    public static final Duration BOUND = Duration.ofSeconds(30);

    private static final long POLL_MILLIS = 10;

    private Await() {}

    /** Returns once {@code condition} holds; fails, saying {@code what} it waited for, after {@link #BOUND}. */
    public static void until(String what, BooleanSupplier condition) {
        until(what, BOUND, Duration.ofMillis(POLL_MILLIS), condition);
    }

    /**
     * Returns once {@code condition} holds, asking it {@code every} so often (a condition that calls a service asks
     * less often); fails, saying {@code what} it waited for, after {@code bound}.
     */
    public static void until(String what, Duration bound, Duration every, BooleanSupplier condition) {
        long until = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - until > 0) {
                throw new AssertionError("waited " + bound.toSeconds() + " s in vain for " + what);
            }
            try {
                Thread.sleep(every.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
    }
}
