package dev.relaymail.relay;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * Where and how to reach the relays (in order of preference: the first is used while it works, the others are for
 * failover), and how many connections one container may keep open in all.
 */
public record RelaySettings(
        List<RelayAddress> relays,
        TlsMode tls,
        int connectTimeoutMillis,
        int timeoutMillis,
        String ehloName,
        int connections) {

    /** How the connection is secured. There is no plaintext mode. */
    public enum TlsMode {
        /** Plain connect, then STARTTLS, which is required: a relay that does not offer it gets nothing. */
        STARTTLS,
        /** TLS from the first byte (SMTPS, port 465). */
        IMPLICIT
    }

    public RelaySettings {
        relays = List.copyOf(relays);
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(ehloName, "ehloName");
        if (relays.isEmpty() || new HashSet<>(relays).size() != relays.size()) {
            throw new IllegalArgumentException("at least one relay, each once: " + relays);
        }
        if (connectTimeoutMillis < 1 || timeoutMillis < 1) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
        if (connections < 1) {
            throw new IllegalArgumentException("connections must be at least 1");
        }
    }

    /** A single relay, no failover. */
    public RelaySettings(
            String host,
            int port,
            TlsMode tls,
            int connectTimeoutMillis,
            int timeoutMillis,
            String ehloName,
            int connections) {
        this(List.of(new RelayAddress(host, port)), tls, connectTimeoutMillis, timeoutMillis, ehloName, connections);
    }
}
