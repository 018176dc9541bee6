package dev.relaymail.core;

import java.time.Duration;

/** The moment by which work for the current invocation must be done, on the monotonic clock. */
public final class Deadline {
    private final long nanoTime;

    private Deadline(long nanoTime) {
        this.nanoTime = nanoTime;
    }

    /** A deadline {@code remaining} from now. */
    public static Deadline in(Duration remaining) {
        return new Deadline(System.nanoTime() + remaining.toNanos());
    }

    /** The moment {@code by} before this one, to keep that much of the time for what follows. */
    public Deadline earlier(Duration by) {
        return new Deadline(nanoTime - by.toNanos());
    }

    /** Milliseconds left, never negative. */
    public long remainingMillis() {
        return Math.max(0, (nanoTime - System.nanoTime()) / 1_000_000);
    }

    /** True when at least {@code budget} is left. */
    public boolean allows(Duration budget) {
        return nanoTime - System.nanoTime() >= budget.toNanos();
    }

    /** {@code timeoutMillis} capped by the time left, at least 1 ms so that a socket never waits for ever. */
    public int cap(int timeoutMillis) {
        long remaining = Math.max(1, remainingMillis());
        return (int) (timeoutMillis <= 0 ? Math.min(remaining, Integer.MAX_VALUE) : Math.min(timeoutMillis, remaining));
    }
}
