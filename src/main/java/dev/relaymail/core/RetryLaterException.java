package dev.relaymail.core;

/**
 * The request cannot be handled right now for a reason other than the relay: the same idempotency key is being
 * sent by another invocation, the idempotency store cannot be reached (the function then sends nothing rather
 * than risk a duplicate), or S3 cannot be reached for a template or an attachment. Retrying later helps.
 */
public final class RetryLaterException extends MailException {
    private static final long serialVersionUID = 1L;

    public enum Reason {
        IN_FLIGHT("request_in_flight"),
        STORE_UNAVAILABLE("idempotency_unavailable"),
        STORAGE_UNAVAILABLE("storage_unavailable");

        private final String code;

        Reason(String code) {
            this.code = code;
        }
    }

    private final Reason reason;

    public RetryLaterException(Reason reason, String detail) {
        super(detail);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    @Override
    public boolean retryable() {
        return true;
    }

    @Override
    public String code() {
        return reason.code;
    }
}
