package dev.relaymail.core;

import java.util.Objects;

/** The relay accepted the message: its {@code Message-ID}, how many envelope recipients, how many bytes. */
public record Accepted(String messageId, int recipients, int bytes) {
    public Accepted {
        Objects.requireNonNull(messageId, "messageId");
    }
}
