package dev.relaymail.core;

import java.util.List;
import java.util.stream.Collectors;

/** The request cannot be sent as it is: retrying it unchanged never helps. */
public final class RequestRejectedException extends MailException {
    private static final long serialVersionUID = 1L;

    /** Why the request was refused; each adapter maps these to its answer in one place. */
    public enum Reason {
        INVALID("invalid_request"),
        SENDER_NOT_ALLOWED("sender_not_allowed"),
        TOO_LARGE("message_too_large"),
        IDEMPOTENCY_MISMATCH("idempotency_key_reused");

        private final String code;

        Reason(String code) {
            this.code = code;
        }
    }

    private final Reason reason;
    private final transient List<FieldError> errors;

    public RequestRejectedException(Reason reason, List<FieldError> errors) {
        super(summary(errors));
        this.reason = reason;
        this.errors = List.copyOf(errors);
    }

    public static RequestRejectedException invalid(List<FieldError> errors) {
        return new RequestRejectedException(Reason.INVALID, errors);
    }

    public static RequestRejectedException invalid(String field, String message) {
        return invalid(List.of(new FieldError(field, message)));
    }

    public Reason reason() {
        return reason;
    }

    public List<FieldError> errors() {
        return errors;
    }

    @Override
    public boolean retryable() {
        return false;
    }

    @Override
    public String code() {
        return reason.code;
    }

    private static String summary(List<FieldError> errors) {
        return errors.stream().map(e -> e.field() + ": " + e.message()).collect(Collectors.joining("; "));
    }
}
