package dev.relaymail.core;

/** Where composed messages go: an SMTP relay behind a connection the implementation manages and reuses. */
public interface Relay {

    /**
     * Hands the message to the relay and returns once the relay has accepted it (250 after the final dot).
     *
     * @return the name of the relay that accepted it ({@code host:port}), for the logs
     * @throws RelayException with the kind of failure and the SMTP code when the relay gave one
     */
    String send(ComposedMessage message, Deadline deadline) throws RelayException;
}
