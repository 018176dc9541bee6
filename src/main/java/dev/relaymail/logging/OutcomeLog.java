package dev.relaymail.logging;

import dev.relaymail.core.Accepted;
import dev.relaymail.core.Invocation;
import dev.relaymail.core.MailException;
import dev.relaymail.core.Redact;
import dev.relaymail.core.RelayException;
import dev.relaymail.core.SendRequest;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * One structured line per message outcome, the same for the API and SQS. Recipients appear masked
 * ({@code a***@example.org}); bodies, attachments and credentials never appear.
 */
public final class OutcomeLog {
    private static final Logger LOG = Logger.getLogger("dev.relaymail.outcome");

    /** Where the message came from: the API, or an SQS record with its message id. */
    public record Source(Invocation invocation, Optional<String> sqsMessageId) {
    }

    public void accepted(Source source, SendRequest request, Accepted accepted, long startNanos) {
        LOG.log(Level.INFO, "message accepted by the relay", base(source, Optional.of(request), startNanos)
                .with("outcome", "accepted")
                .with("messageId", accepted.messageId())
                .with("bytes", accepted.bytes()));
    }

    /**
     * @param disposition what became of it: {@code answered} (API), {@code retry}, {@code dead_letter} or
     *                    {@code reported} (SQS, left to the queue's redrive policy)
     */
    public void failed(Source source, Optional<SendRequest> request, MailException failure, String disposition,
            long startNanos) {
        LogFields fields = base(source, request, startNanos)
                .with("outcome", failure.retryable() ? "transient" : "permanent")
                .with("error", failure.code())
                .with("detail", failure.getMessage())
                .with("disposition", disposition);
        if (failure instanceof RelayException relay && relay.smtpCode().isPresent()) {
            fields.with("smtpCode", relay.smtpCode().getAsInt());
        }
        LOG.log(failure.retryable() ? Level.WARNING : Level.INFO, "message not sent", fields);
    }

    /** A bug or an unforeseen failure: logged with its stack trace, which never reaches an answer. */
    public void unexpected(Source source, RuntimeException e) {
        LogRecord record = new LogRecord(Level.SEVERE, "unexpected failure");
        record.setLoggerName(LOG.getName());
        record.setParameters(new Object[] {LogFields.of()
                .with("requestId", source.invocation().requestId())
                .with("sqsMessageId", source.sqsMessageId().orElse(null))});
        record.setThrown(e);
        LOG.log(record);
    }

    private static LogFields base(Source source, Optional<SendRequest> request, long startNanos) {
        LogFields fields = LogFields.of()
                .with("requestId", source.invocation().requestId())
                .with("sqsMessageId", source.sqsMessageId().orElse(null))
                .with("durationMs", (System.nanoTime() - startNanos) / 1_000_000);
        request.ifPresent(r -> fields
                .with("from", r.from().address())
                .with("recipients", r.envelopeRecipients().stream().map(Redact::address).toList())
                .with("tags", r.tags().isEmpty() ? null : r.tags()));
        return fields;
    }
}
