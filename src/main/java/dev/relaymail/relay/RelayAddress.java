package dev.relaymail.relay;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/** One relay: a host name or IP address (IPv6 in brackets) and a port. Its certificate is verified for this host. */
public record RelayAddress(String host, int port) {
    private static final Pattern HOST =
            Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\\[[0-9A-Fa-f:.]+\\]");

    public RelayAddress {
        Objects.requireNonNull(host, "host");
        if (!HOST.matcher(host).matches()) {
            throw new IllegalArgumentException(host + " is not a host name or IP address (IPv6 goes in brackets)");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("the port must be between 1 and 65535, not " + port);
        }
    }

    /**
     * Reads a comma list of relays in order of preference, each {@code host} or {@code host:port}
     * ({@code [v6-address]:port}); an entry without a port gets {@code defaultPort}. Errors name the entry at fault.
     */
    public static List<RelayAddress> parseList(String value, int defaultPort) {
        List<RelayAddress> relays = new ArrayList<>();
        for (String raw : value.split(",", -1)) {
            String entry = raw.strip();
            RelayAddress relay;
            try {
                relay = parse(entry, defaultPort);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("entry '" + entry + "': " + e.getMessage());
            }
            if (relays.contains(relay)) {
                throw new IllegalArgumentException("lists " + relay + " twice");
            }
            relays.add(relay);
        }
        return List.copyOf(relays);
    }

    private static RelayAddress parse(String entry, int defaultPort) {
        if (entry.isEmpty()) {
            throw new IllegalArgumentException("empty (separate relays by one comma)");
        }
        int colon = entry.lastIndexOf(':');
        if (colon < 0 || entry.startsWith("[") && colon < entry.lastIndexOf(']')) {
            return new RelayAddress(entry, defaultPort);
        }
        String port = entry.substring(colon + 1);
        if (!port.matches("[0-9]{1,5}")) {
            throw new IllegalArgumentException("the port must be a number from 1 to 65535 (host or host:port)");
        }
        return new RelayAddress(entry.substring(0, colon), Integer.parseInt(port));
    }

    /**
     * The record's own equality, written out: a record's generated {@code equals} and {@code hashCode} are bootstrapped
     * through {@code invokedynamic} at their first call, which costs a cold JVM measurable time, and
     * {@link #parseList}'s check for a relay listed twice is that first call, before the first relay connection can
     * start opening (docs/architecture.md, deliberate oddities).
     */
    @Override
    public boolean equals(Object other) {
        return other instanceof RelayAddress relay && port == relay.port && host.equals(relay.host);
    }

    @Override
    public int hashCode() {
        return 31 * host.hashCode() + port;
    }

    /** {@code host:port}, as written in {@code SMTP_HOST} and in the logs. */
    @Override
    public String toString() {
        return host + ":" + port;
    }
}
