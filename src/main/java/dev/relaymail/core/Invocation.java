package dev.relaymail.core;

import java.util.Objects;

/** The current invocation as the core sees it: an id for the logs and the deadline for all work. */
public record Invocation(String requestId, Deadline deadline) {
    public Invocation {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(deadline, "deadline");
    }
}
