package dev.relaymail.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relaymail.core.FieldError;
import dev.relaymail.core.MailException;
import dev.relaymail.core.RelayException;
import dev.relaymail.core.RequestRejectedException;
import dev.relaymail.core.RetryLaterException;
import java.util.List;

/**
 * Every error answer of the API, as RFC 9457 {@code application/problem+json}:
 * {@code {"type", "title", "status", "detail", "errors": [{"field", "message"}], "retryable", "smtpCode"?}}.
 * The one place that maps failures to HTTP status codes.
 */
final class Problems {
    static final String MEDIA_TYPE = "application/problem+json";
    private static final String TYPE_PREFIX = "urn:relaymail:problem:";

    private Problems() {}

    /**
     * @param keyed whether the request carried an idempotency key: a message of unknown outcome is safe to retry
     *              only then
     */
    static HttpAnswer of(MailException failure, boolean keyed) {
        if (failure instanceof RequestRejectedException rejected) {
            return rejected(rejected);
        }
        if (failure instanceof RetryLaterException later) {
            boolean inFlight = later.reason() == RetryLaterException.Reason.IN_FLIGHT;
            return HttpAnswer.json(
                            inFlight ? 409 : 503,
                            MEDIA_TYPE,
                            body(
                                    inFlight ? 409 : 503,
                                    inFlight
                                            ? "A request with this idempotency key is in progress"
                                            : "Service unavailable, try again later",
                                    later.code(),
                                    later.getMessage(),
                                    List.of(),
                                    true))
                    .withHeader("Retry-After", inFlight ? "2" : "30");
        }
        RelayException relay = (RelayException) failure;
        if (relay.kind() == RelayException.Kind.UNKNOWN_OUTCOME && !keyed) {
            return relayProblem(
                    502,
                    "The relay's answer was lost",
                    relay,
                    relay.getMessage() + "; retrying may send it twice: send an Idempotency-Key to make retries safe",
                    false);
        }
        if (!relay.retryable()) {
            return relayProblem(502, "The relay refused the message", relay, relay.getMessage(), false);
        }
        return relayProblem(503, "The relay is unavailable, try again later", relay, relay.getMessage(), true)
                .withHeader("Retry-After", Integer.toString(retryAfter(relay)));
    }

    private static HttpAnswer relayProblem(
            int status, String title, RelayException relay, String detail, boolean retryable) {
        ObjectNode body = body(status, title, relay.code(), detail, List.of(), retryable);
        relay.smtpCode().ifPresent(code -> body.put("smtpCode", code));
        return HttpAnswer.json(status, MEDIA_TYPE, body);
    }

    static HttpAnswer unsupportedMediaType(String contentType) {
        return problem(
                415,
                "Unsupported media type",
                "unsupported_media_type",
                "send the request as application/json, not " + contentType,
                List.of());
    }

    static HttpAnswer methodNotAllowed(String method) {
        return problem(405, "Method not allowed", "method_not_allowed", "use POST, not " + method, List.of())
                .withHeader("Allow", "POST");
    }

    /** A message of a batch that was not tried (nothing was sent); retrying it may succeed. */
    static HttpAnswer notAttempted(String reason) {
        return HttpAnswer.json(
                503,
                MEDIA_TYPE,
                body(503, "Not attempted", "not_attempted", reason + "; nothing was " + "sent", List.of(), true));
    }

    static HttpAnswer internalError(String requestId) {
        return problem(
                500,
                "Internal error",
                "internal_error",
                "an unexpected error occurred; the logs have it under request id " + requestId,
                List.of());
    }

    private static HttpAnswer rejected(RequestRejectedException rejected) {
        List<FieldError> errors = rejected.errors();
        return switch (rejected.reason()) {
            case INVALID ->
                problem(
                        400,
                        "The request is not valid",
                        rejected.code(),
                        errors.size() == 1
                                ? "1 problem with the request"
                                : errors.size() + " problems with the request",
                        errors);
            case SENDER_NOT_ALLOWED ->
                problem(
                        403,
                        "The sender is not allowed",
                        rejected.code(),
                        errors.get(0).message(),
                        errors);
            case TOO_LARGE ->
                problem(
                        413,
                        "The message is too large",
                        rejected.code(),
                        errors.get(0).message(),
                        errors);
            case IDEMPOTENCY_MISMATCH ->
                problem(
                        422,
                        "The idempotency key was used for another request",
                        rejected.code(),
                        errors.get(0).message(),
                        errors);
        };
    }

    private static HttpAnswer problem(int status, String title, String code, String detail, List<FieldError> errors) {
        return HttpAnswer.json(status, MEDIA_TYPE, body(status, title, code, detail, errors, false));
    }

    private static ObjectNode body(
            int status, String title, String code, String detail, List<FieldError> errors, boolean retryable) {
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
