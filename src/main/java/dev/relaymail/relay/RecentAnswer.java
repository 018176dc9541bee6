package dev.relaymail.relay;

import dev.relaymail.core.RelayException;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Which relay last took a message or a login of this container, and when. A relay that did so a moment ago is up, so
 * a new connection it refuses then is one more than it allows this client, not a sign that it is down.
 */
final class RecentAnswer {
    /** How recently the relay must have answered for a refused connection to be taken for its limit. */
    static final Duration WITHIN = Duration.ofSeconds(10);

    /** The relay and the time ({@link #nanoTime}) of the last answer. */
    private record Answer(RelayAddress relay, long at) {}

    private final LongSupplier nanoTime;
    private volatile Answer last;

    RecentAnswer(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        last = new Answer(null, nanoTime.getAsLong() - WITHIN.toNanos());
    }

    /** This relay took a message or a login just now. */
    void now(RelayAddress relay) {
        last = new Answer(relay, nanoTime.getAsLong());
    }

    /**
     * Whether this failure at this relay ({@code host:port}, as failures name it) is a refused connection (refused,
     * reset or 421) within {@link #WITHIN} of that relay's last answer.
     */
    boolean refusedWhileUp(String relay, RelayException e) {
        Answer answer = last;
        boolean refusal = e.kind() == RelayException.Kind.CONNECTION
                || e.kind() == RelayException.Kind.TRANSIENT_REPLY
                        && e.smtpCode().orElse(0) == 421;
        return refusal
                && answer.relay() != null
                && relay.equals(answer.relay().toString())
                && nanoTime.getAsLong() - answer.at() < WITHIN.toNanos();
    }
}
