package dev.relaymail.core;

import java.util.Objects;

/**
 * A header the request asked for, already checked against the allowlist: a custom {@code X-} header with free text,
 * or one of the allowed structured headers ({@code List-Unsubscribe} and the like) in printable ASCII.
 */
public record Header(String name, String value) {
    public Header {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
    }

    /** True for an {@code X-} header, whose value is text (RFC 2047-encoded when needed) rather than a structure. */
    public static boolean custom(String name) {
        return name.length() > 2 && name.regionMatches(true, 0, "x-", 0, 2);
    }
}
