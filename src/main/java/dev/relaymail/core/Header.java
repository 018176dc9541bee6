package dev.relaymail.core;

import java.util.Objects;

/** A custom header the request asked for, already checked against the allowlist. */
public record Header(String name, String value) {
    public Header {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
    }
}
