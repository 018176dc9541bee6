package dev.relaymail.relay;

import java.util.Objects;

/** Where and how to reach the relay, and how many connections to it one container may keep open. */
public record RelaySettings(String host, int port, TlsMode tls, int connectTimeoutMillis, int timeoutMillis,
        String ehloName, int connections) {

    /** How the connection is secured. There is no plaintext mode. */
    public enum TlsMode {
        /** Plain connect, then STARTTLS, which is required: a relay that does not offer it gets nothing. */
        STARTTLS,
        /** TLS from the first byte (SMTPS, port 465). */
        IMPLICIT
    }

    public RelaySettings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(ehloName, "ehloName");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (connectTimeoutMillis < 1 || timeoutMillis < 1) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
        if (connections < 1) {
            throw new IllegalArgumentException("connections must be at least 1");
        }
    }
}
