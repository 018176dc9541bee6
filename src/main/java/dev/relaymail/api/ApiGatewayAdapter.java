package dev.relaymail.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relaymail.core.Accepted;
import dev.relaymail.core.FieldError;
import dev.relaymail.core.Invocation;
import dev.relaymail.core.MailException;
import dev.relaymail.core.RequestRejectedException;
import dev.relaymail.core.Sender;
import dev.relaymail.logging.Metrics;
import dev.relaymail.logging.OutcomeLog;
import dev.relaymail.request.RequestReader;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code POST /messages} and {@code POST /messages/batch} from API Gateway (REST or HTTP API): checks the HTTP
 * envelope, reads the send request (or the batch), sends and answers {@code 202} with the {@code Message-ID}
 * ({@code 207} with one result per message for a batch), or a problem detail.
 */
public final class ApiGatewayAdapter {
    private final RequestReader reader;
    private final MessageSending sending;
    private final BatchSending batch;
    private final long maxBodyBytes;

    public ApiGatewayAdapter(RequestReader reader, Sender sender, OutcomeLog outcomes, long maxBodyBytes) {
        this.reader = reader;
        this.sending = new MessageSending(sender, outcomes);
        this.batch = new BatchSending(reader, sending);
        this.maxBodyBytes = maxBodyBytes;
    }

    /** Handles a REST API (payload format 1.0) proxy event. */
    public JsonNode handleRest(JsonNode event, Invocation invocation, Metrics metrics) {
        return handle(HttpRequest.fromRestEvent(event), invocation, metrics).toEvent();
    }

    /** Handles an HTTP API (payload format 2.0) event. */
    public JsonNode handleHttpApi(JsonNode event, Invocation invocation, Metrics metrics) {
        return handle(HttpRequest.fromHttpApiEvent(event), invocation, metrics).toEvent();
    }

    private HttpAnswer handle(HttpRequest request, Invocation invocation, Metrics metrics) {
        if (!request.method().equalsIgnoreCase("POST")) {
            return Problems.methodNotAllowed(request.method());
        }
        Optional<String> contentType = request.header("content-type");
        if (contentType.isPresent() && !isJson(contentType.get())) {
            return Problems.unsupportedMediaType(contentType.get());
        }
        OutcomeLog.Source source = new OutcomeLog.Source(invocation, Optional.empty(), metrics);
        if (request.body().length > maxBodyBytes) {
            return Problems.of(
                    new RequestRejectedException(
                            RequestRejectedException.Reason.TOO_LARGE,
                            List.of(new FieldError(
                                    "body",
                                    "the request body is larger than the limit of " + maxBodyBytes
                                            + " bytes (MAX_MESSAGE_BYTES)"))),
                    false);
        }
        if (request.batch()) {
            try {
                return batch.send(request, source);
            } catch (MailException e) {
                return Problems.of(e, false);
            }
        }
        MessageSending.Result result = sending.send(
                () -> reader.read(request.body(), request.header("idempotency-key")), source, invocation.deadline());
        if (result instanceof MessageSending.Sent sent) {
            HttpAnswer answer = HttpAnswer.json(202, "application/json", accepted(sent.accepted()));
            return sent.accepted().replayed() ? answer.withHeader("Idempotent-Replayed", "true") : answer;
        }
        return ((MessageSending.Failed) result).problem();
    }

    private static ObjectNode accepted(Accepted accepted) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("messageId", accepted.messageId());
        body.put("status", "accepted");
        body.put("recipients", accepted.recipients());
        return body;
    }

    /** {@code application/json} or any {@code application/*+json}, in UTF-8 when a charset is given. */
    private static boolean isJson(String contentType) {
        String[] parts = contentType.toLowerCase(Locale.ROOT).split(";");
        String type = parts[0].strip();
        boolean json = type.equals("application/json") || (type.startsWith("application/") && type.endsWith("+json"));
        for (int i = 1; i < parts.length; i++) {
            String[] parameter = parts[i].strip().split("=", 2);
            if (parameter[0].strip().equals("charset")
                    && parameter.length == 2
                    && !parameter[1].strip().replace("\"", "").equals("utf-8")) {
                return false;
            }
        }
        return json;
    }
}
