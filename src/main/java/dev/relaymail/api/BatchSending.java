package dev.relaymail.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relaymail.core.Accepted;
import dev.relaymail.core.Deadline;
import dev.relaymail.core.MailException;
import dev.relaymail.core.RelayException;
import dev.relaymail.core.SendRequest;
import dev.relaymail.logging.LogFields;
import dev.relaymail.logging.OutcomeLog;
import dev.relaymail.request.RequestReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code POST /messages/batch}: up to 100 send requests in {@code {"messages": […]}}, sent one after the other over
 * the container's relay connection, answered {@code 207} with one result per message in request order:
 * {@code {"index", "status": 202, "messageId", …}} or {@code {"index", "status": 4xx/5xx, …problem detail}}.
 *
 * <p>Each message stands alone: its own validation, its own idempotency key (an {@code Idempotency-Key} header on the
 * batch gives message {@code i} without a key of its own the key {@code <header>/<i>}, so that retrying the whole
 * batch sends nothing twice). Every message is read before the first is sent, so that each invalid one is answered
 * {@code 400} whatever happens to the others. Once the relay cannot be reached, or time runs short, the valid messages
 * not yet tried are answered {@code 503} without trying them.
 */
final class BatchSending {
    private static final Logger LOG = Logger.getLogger(BatchSending.class.getName());
    /** Failures that are about the relay or the setup rather than one message: the rest would fail the same way. */
    private static final Set<RelayException.Kind> RELAY_DOWN = EnumSet.of(
            RelayException.Kind.CONNECTION,
            RelayException.Kind.TLS,
            RelayException.Kind.AUTHENTICATION,
            RelayException.Kind.CREDENTIALS,
            RelayException.Kind.DEADLINE);
    /** A message is not started with less time than this left: answering in time matters more. */
    private static final Duration LAST_START = Duration.ofSeconds(1);

    private final RequestReader reader;
    private final MessageSending sending;

    BatchSending(RequestReader reader, MessageSending sending) {
        this.reader = reader;
        this.sending = sending;
    }

    HttpAnswer send(HttpRequest request, OutcomeLog.Source source) throws MailException {
        Optional<String> batchKey = request.header("idempotency-key");
        List<JsonNode> messages = reader.readBatch(request.body(), batchKey);
        Deadline deadline = source.invocation().deadline();
        // every message is read before any is sent: one that is invalid is answered 400 whatever then happens to the
        // relay or to the time left
        List<Read> reads = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            reads.add(read(messages.get(i), batchKey.map(key -> key + "/"), i));
        }
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        ArrayNode results = body.putArray("results");
        int accepted = 0;
        int notTried = 0;
        Optional<String> skipReason = Optional.empty();
        for (int i = 0; i < reads.size(); i++) {
            Read read = reads.get(i);
            if (read.readable() && skipReason.isEmpty() && !deadline.allows(LAST_START)) {
                skipReason = Optional.of("the invocation ran out of time before this message");
            }
            if (read.readable() && skipReason.isPresent()) {
                results.add(notAttempted(i, skipReason.get()));
                notTried++;
                continue;
            }
            MessageSending.Result result = sending.send(read.reading(), source.item(i), deadline);
            if (result instanceof MessageSending.Sent sent) {
                accepted++;
                results.add(sent(i, sent.accepted()));
            } else if (result instanceof MessageSending.Failed failed) {
                results.add(item(i, failed.problem()));
                if (read.readable()) {
                    skipReason = failed.failure()
                            .filter(f -> f instanceof RelayException r && RELAY_DOWN.contains(r.kind()))
                            .map(f -> "not tried: the message before it failed with " + f.code());
                }
            }
        }
        if (notTried > 0) {
            LOG.log(
                    Level.WARNING,
                    "answered the rest of the batch not_attempted without trying it",
                    LogFields.of()
                            .with("requestId", source.invocation().requestId())
                            .with("reason", skipReason.get())
                            .with("notAttempted", notTried));
        }
        body.put("accepted", accepted);
        body.put("failed", messages.size() - accepted);
        return HttpAnswer.json(207, "application/json", body);
    }

    /** One message of the batch as read: its send request, or the reading step that fails as the reading did. */
    private record Read(MessageSending.Reading reading, boolean readable) {}

    /** Reads message {@code index}; without a key of its own it gets {@code keyPrefix + index}, when there is one. */
    private Read read(JsonNode message, Optional<String> keyPrefix, int index) {
        try {
            SendRequest read = reader.read(message, Optional.empty());
            SendRequest keyed = read.idempotencyKey().isEmpty() && keyPrefix.isPresent()
                    ? read.withIdempotencyKey(keyPrefix.get() + index)
                    : read;
            return new Read(() -> keyed, true);
        } catch (MailException | RuntimeException e) {
            // MessageSending answers and logs the failure as it does when reading fails within it
            return new Read(
                    () -> {
                        throw e;
                    },
                    false);
        }
    }

    private static ObjectNode sent(int index, Accepted accepted) {
        ObjectNode item = JsonNodeFactory.instance.objectNode();
        item.put("index", index);
        item.put("status", 202);
        item.put("messageId", accepted.messageId());
        item.put("recipients", accepted.recipients());
        if (accepted.replayed()) {
            item.put("replayed", true);
        }
        return item;
    }

    /** The problem answer of one message, as an item: its index, then the problem's fields. */
    private static ObjectNode item(int index, HttpAnswer problem) {
        ObjectNode item = JsonNodeFactory.instance.objectNode();
        item.put("index", index);
        item.setAll((ObjectNode) problem.body());
        return item;
    }

    private static ObjectNode notAttempted(int index, String reason) {
        return item(index, Problems.notAttempted(reason));
    }
}
