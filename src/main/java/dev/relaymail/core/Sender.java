package dev.relaymail.core;

/** Sends one validated request; what the adapters call. */
public interface Sender {

    /**
     * @return what the relay accepted (or, for a repeated idempotency key, what it accepted the first time)
     * @throws MailException with the facts an adapter needs to answer
     */
    Accepted send(SendRequest request, Deadline deadline) throws MailException;
}
