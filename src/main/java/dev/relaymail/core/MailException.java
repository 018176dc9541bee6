package dev.relaymail.core;

/**
 * A message that could not be sent, with the facts an adapter needs to answer: whether a retry can help and a short
 * code for logs, metrics and the dead-letter queue. Stack traces are not captured: these are outcomes, not bugs.
 */
public abstract sealed class MailException extends Exception
        permits RequestRejectedException, RelayException, RetryLaterException {
    private static final long serialVersionUID = 1L;

    protected MailException(String message) {
        super(message, null, false, false);
    }

    /** True when the same request may succeed later without change. */
    public abstract boolean retryable();

    /** A short, stable, lower-case code such as {@code invalid_request} or {@code relay_rejected}. */
    public abstract String code();
}
