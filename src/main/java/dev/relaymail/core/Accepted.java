package dev.relaymail.core;

import java.util.Objects;

/**
 * The relay accepted the message: its {@code Message-ID}, how many envelope recipients, how many bytes, and whether
 * this answer is a replay of an earlier send under the same idempotency key (nothing was sent this time).
 */
public record Accepted(String messageId, int recipients, int bytes, boolean replayed) {
    public Accepted {
        Objects.requireNonNull(messageId, "messageId");
    }

    /** The same answer, marked as a replay. */
    public Accepted asReplay() {
        return new Accepted(messageId, recipients, bytes, true);
    }
}
