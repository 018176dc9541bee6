package dev.relaymail.logging;

import dev.relaymail.core.Accepted;
import dev.relaymail.core.Invocation;
import dev.relaymail.core.MailAddress;
import dev.relaymail.core.MailException;
import dev.relaymail.core.Redact;
import dev.relaymail.core.RelayException;
import dev.relaymail.core.SendRequest;
import dev.relaymail.events.DeliveryEvents;
import dev.relaymail.events.DeliveryEvents.Outcome;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * One structured line per message outcome, the same for the API and SQS, and the outcome's metrics and delivery
 * event. Recipients appear masked ({@code a***@example.org}); bodies, attachments and credentials never appear.
 */
public final class OutcomeLog {
    private static final Logger LOG = Logger.getLogger("dev.relaymail.outcome");

    /**
     * Where the message came from (the API, an item of an API batch, or an SQS record with its message id) and its
     * invocation's metrics.
     */
    public record Source(
            Invocation invocation,
            Optional<String> sqsMessageId,
            Optional<Integer> batchIndex,
            Metrics metrics,
            Optional<Integer> attempts) {

        public Source(Invocation invocation, Optional<String> sqsMessageId, Metrics metrics) {
            this(invocation, sqsMessageId, Optional.empty(), metrics, Optional.empty());
        }

        /** A queue record received {@code attempts} times. */
        public Source(Invocation invocation, String sqsMessageId, int attempts, Metrics metrics) {
            this(invocation, Optional.of(sqsMessageId), Optional.empty(), metrics, Optional.of(attempts));
        }

        /** The same source for item {@code index} of a batch. */
        public Source item(int index) {
            return new Source(invocation, sqsMessageId, Optional.of(index), metrics, attempts);
        }
    }

    public void accepted(Source source, SendRequest request, Accepted accepted, long startNanos) {
        long millis = (System.nanoTime() - startNanos) / 1_000_000;
        source.metrics().accepted(accepted, millis);
        LOG.log(
                Level.INFO,
                accepted.replayed()
                        ? "repeated idempotency key: answered as before, nothing sent"
                        : "message accepted by the relay",
                base(source, Optional.of(request), millis)
                        .with("outcome", accepted.replayed() ? "duplicate" : "accepted")
                        .with("messageId", accepted.messageId())
                        .with("relay", accepted.relay().orElse(null))
                        .with("bytes", accepted.replayed() ? null : accepted.bytes()));
        source.metrics()
                .events()
                .add(
                        Outcome.ACCEPTED,
                        Optional.of(DeliveryEvents.Message.of(request)),
                        Optional.of(accepted.messageId()),
                        source.sqsMessageId(),
                        Optional.empty(),
                        Optional.empty(),
                        source.attempts(),
                        accepted.replayed());
    }

    /**
     * @param disposition what became of it: {@code answered} (API), {@code retry} (SQS: back after {@code retryIn}),
     *                    {@code dead_letter}, {@code gave_up} (dead-lettered after {@code MAX_RETRY_AGE}) or
     *                    {@code reported} (SQS, left to the queue's own visibility timeout and redrive policy)
     */
    public void failed(
            Source source,
            Optional<SendRequest> request,
            MailException failure,
            String disposition,
            Optional<Duration> retryIn,
            long startNanos) {
        source.metrics().failed(failure);
        switch (disposition) {
            case "gave_up" -> source.metrics().gaveUp();
            case "retry" -> source.metrics().deferred(1);
            default -> {}
        }
        boolean unknown = failure instanceof RelayException r && r.kind() == RelayException.Kind.UNKNOWN_OUTCOME;
        LogFields fields = base(source, request, (System.nanoTime() - startNanos) / 1_000_000)
                .with("outcome", unknown ? "unknown" : failure.retryable() ? "transient" : "permanent")
                .with("error", failure.code())
                .with("detail", failure.getMessage())
                .with("disposition", disposition);
        if (failure instanceof RelayException relay) {
            relay.messageId().ifPresent(id -> fields.with("messageId", id));
            relay.smtpCode().ifPresent(code -> fields.with("smtpCode", code));
            relay.relay().ifPresent(name -> fields.with("relay", name));
            fields.with("throttled", relay.throttled() ? true : null);
        }
        retryIn.ifPresent(d -> fields.with("retryInSeconds", d.toSeconds()));
        LOG.log(
                failure.retryable() ? Level.WARNING : Level.INFO,
                unknown ? "message may or may not have been accepted: the relay's answer was lost" : "message not sent",
                fields);
        Optional<String> messageId = failure instanceof RelayException relay ? relay.messageId() : Optional.empty();
        Outcome outcome = switch (disposition) {
            case "retry" -> Outcome.DEFERRED;
            case "gave_up" -> Outcome.GAVE_UP;
            default -> Outcome.FAILED;
        };
        source.metrics()
                .events()
                .add(
                        outcome,
                        request.map(DeliveryEvents.Message::of),
                        messageId,
                        source.sqsMessageId(),
                        Optional.of(failure),
                        retryIn,
                        source.attempts(),
                        false);
    }

    /**
     * A queue record not tried in this invocation (for the send rate, or its time), back after {@code retryIn}; its
     * body is not read then (a template could take a call to S3), so only its key and tags are known.
     */
    public void deferred(Source source, DeliveryEvents.Message message, String reason, Duration retryIn) {
        source.metrics().deferred(1);
        LOG.log(
                Level.INFO,
                "record returned to the queue without trying it",
                base(source, Optional.empty(), 0)
                        .with("idempotencyKey", message.idempotencyKey().orElse(null))
                        .with("tags", message.tags().isEmpty() ? null : message.tags())
                        .with("outcome", "deferred")
                        .with("reason", reason)
                        .with("retryInSeconds", retryIn.toSeconds()));
        source.metrics()
                .events()
                .add(
                        Outcome.DEFERRED,
                        Optional.of(message),
                        Optional.empty(),
                        source.sqsMessageId(),
                        Optional.empty(),
                        Optional.of(retryIn),
                        source.attempts(),
                        false);
    }

    /** A bug or an unforeseen failure: logged with its stack trace, which never reaches an answer. */
    public void unexpected(Source source, RuntimeException e) {
        LogRecord record = new LogRecord(Level.SEVERE, "unexpected failure");
        record.setLoggerName(LOG.getName());
        record.setParameters(new Object[] {
            LogFields.of()
                    .with("requestId", source.invocation().requestId())
                    .with("sqsMessageId", source.sqsMessageId().orElse(null))
        });
        record.setThrown(e);
        LOG.log(record);
    }

    private static LogFields base(Source source, Optional<SendRequest> request, long millis) {
        LogFields fields = LogFields.of()
                .with("requestId", source.invocation().requestId())
                .with("sqsMessageId", source.sqsMessageId().orElse(null))
                .with("batchIndex", source.batchIndex().orElse(null))
                .with("durationMs", millis);
        request.ifPresent(r -> {
            List<MailAddress> recipients = r.envelopeRecipients();
            fields.with("from", r.from().address())
                    .with("recipientCount", recipients.size())
                    .with("recipients", recipients.stream().map(Redact::address).toList())
                    .with("idempotencyKey", r.idempotencyKey().orElse(null))
                    .with("tags", r.tags().isEmpty() ? null : r.tags());
        });
        return fields;
    }
}
