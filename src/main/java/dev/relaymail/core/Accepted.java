package dev.relaymail.core;

import java.util.Objects;
import java.util.Optional;

/**
 * The relay accepted the message: its {@code Message-ID}, how many envelope recipients, how many bytes, whether
 * this answer is a replay of an earlier send under the same idempotency key (nothing was sent this time), and which
 * relay ({@code host:port}) took it this time (none for a replay).
 */
public record Accepted(String messageId, int recipients, int bytes, boolean replayed, Optional<String> relay) {
    public Accepted {
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(relay, "relay");
    }

    /** The same answer, marked as a replay: no relay carried it this time. */
    public Accepted asReplay() {
        return new Accepted(messageId, recipients, bytes, true, Optional.empty());
    }
}
