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
        long until = System.nanoTime() + BOUND.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - until > 0) {
                throw new AssertionError("waited " + BOUND.toSeconds() + " s in vain for " + what);
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
    }
}
