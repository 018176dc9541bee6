package dev.relaymail.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relaymail.core.FieldError;
import dev.relaymail.core.MailException;
import dev.relaymail.core.RelayException;
import dev.relaymail.core.RequestRejectedException;
import java.util.List;

/**
 * Every error answer of the API, as RFC 9457 {@code application/problem+json}:
 * {@code {"type", "title", "status", "detail", "errors": [{"field", "message"}], "retryable", "smtpCode"?}}.
 * The one place that maps failures to HTTP status codes.
 */
final class Problems {
    static final String MEDIA_TYPE = "application/problem+json";
    private static final String TYPE_PREFIX = "urn:relaymail:problem:";

    private Problems() {
    }

    static HttpAnswer of(MailException failure) {
        if (failure instanceof RequestRejectedException rejected) {
            return rejected(rejected);
        }
        RelayException relay = (RelayException) failure;
        if (!relay.retryable()) {
            ObjectNode body = body(502, "The relay refused the message", relay.code(), relay.getMessage(), List.of(),
                    false);
            relay.smtpCode().ifPresent(code -> body.put("smtpCode", code));
            return HttpAnswer.json(502, MEDIA_TYPE, body);
        }
        ObjectNode body = body(503, "The relay is unavailable, try again later", relay.code(), relay.getMessage(),
                List.of(), true);
        relay.smtpCode().ifPresent(code -> body.put("smtpCode", code));
        return HttpAnswer.json(503, MEDIA_TYPE, body).withHeader("Retry-After", Integer.toString(retryAfter(relay)));
    }

    static HttpAnswer unsupportedMediaType(String contentType) {
        return problem(415, "Unsupported media type", "unsupported_media_type",
                "send the request as application/json, not " + contentType, List.of());
    }

    static HttpAnswer methodNotAllowed(String method) {
        return problem(405, "Method not allowed", "method_not_allowed", "use POST, not " + method, List.of())
                .withHeader("Allow", "POST");
    }

    static HttpAnswer internalError(String requestId) {
        return problem(500, "Internal error", "internal_error",
                "an unexpected error occurred; the logs have it under request id " + requestId, List.of());
    }

    private static HttpAnswer rejected(RequestRejectedException rejected) {
        List<FieldError> errors = rejected.errors();
        return switch (rejected.reason()) {
            case INVALID -> problem(400, "The request is not valid", rejected.code(),
                    errors.size() == 1 ? "1 problem with the request" : errors.size() + " problems with the request",
                    errors);
            case SENDER_NOT_ALLOWED -> problem(403, "The sender is not allowed", rejected.code(),
                    errors.get(0).message(), errors);
            case TOO_LARGE -> problem(413, "The message is too large", rejected.code(), errors.get(0).message(),
                    errors);
        };
    }

    private static HttpAnswer problem(int status, String title, String code, String detail, List<FieldError> errors) {
        return HttpAnswer.json(status, MEDIA_TYPE, body(status, title, code, detail, errors, false));
    }

    private static ObjectNode body(int status, String title, String code, String detail, List<FieldError> errors,
            boolean retryable) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("type", TYPE_PREFIX + code);
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        ArrayNode list = body.putArray("errors");
        for (FieldError error : errors) {
            list.addObject().put("field", error.field()).put("message", error.message());
        }
        body.put("retryable", retryable);
        return body;
    }

    /** Seconds to wait: longer when an operator has to mend the setup, short when the relay only asked to wait. */
    private static int retryAfter(RelayException failure) {
        return switch (failure.kind()) {
            case TLS, AUTHENTICATION, CREDENTIALS -> 300;
            case CONNECTION, TRANSIENT_REPLY, UNKNOWN_OUTCOME -> 30;
            case DEADLINE, PERMANENT_REPLY -> 5;
        };
    }
}
