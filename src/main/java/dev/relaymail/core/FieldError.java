package dev.relaymail.core;

import java.util.Objects;

/** One problem with one field of a request, named by its path such as {@code to[1]} or {@code attachments[0].content}. */
public record FieldError(String field, String message) {
    public FieldError {
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(message, "message");
    }
}
