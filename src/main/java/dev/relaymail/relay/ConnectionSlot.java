package dev.relaymail.relay;

import dev.relaymail.relay.transport.PipeliningTransport;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One of a container's {@code SMTP_CONNECTIONS}: open to one relay at a time. Asking it for another relay closes the
 * connection it holds, so that a container never keeps more connections than configured, and a connection is only
 * ever reused for the relay it was opened to. Used by one thread at a time.
 */
final class ConnectionSlot {
    private final Map<RelayAddress, SmtpConnection> connections = new LinkedHashMap<>();
    private SmtpConnection current;

    ConnectionSlot(List<RelayAddress> relays, Function<RelayAddress, SmtpConnection> connection) {
        relays.forEach(relay -> connections.put(relay, connection.apply(relay)));
    }

    /** The connection to this relay, after closing the one to another relay, if any. */
    SmtpConnection to(RelayAddress relay) {
        SmtpConnection next = connections.get(relay);
        if (current != null && current != next) {
            current.disconnect();
        }
        current = next;
        return next;
    }

    /** Whether it holds an open connection, to whichever relay. */
    boolean open() {
        return current != null && current.open();
    }

    /** The envelope sent ahead on its connection, waiting for its message; null when none. */
    PipeliningTransport.Envelope sentAhead() {
        return current == null ? null : current.sentAhead();
    }

    void disconnect() {
        if (current != null) {
            current.disconnect();
        }
    }
}
