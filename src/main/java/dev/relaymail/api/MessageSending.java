package dev.relaymail.api;

import dev.relaymail.core.Accepted;
import dev.relaymail.core.Deadline;
import dev.relaymail.core.MailException;
import dev.relaymail.core.SendRequest;
import dev.relaymail.core.Sender;
import dev.relaymail.logging.OutcomeLog;
import java.util.Optional;

/** Reads and sends one message of an API request, logs its outcome and says how it went; shared by both routes. */
final class MessageSending {
    private final Sender sender;
    private final OutcomeLog outcomes;

    MessageSending(Sender sender, OutcomeLog outcomes) {
        this.sender = sender;
        this.outcomes = outcomes;
    }

    /** How one message went: accepted, or failed with the problem answer for it. */
    sealed interface Result permits Sent, Failed {}

    record Sent(Accepted accepted) implements Result {}

    record Failed(HttpAnswer problem, Optional<MailException> failure) implements Result {}

    /** The reading step: a send request from the body, or the failure that says why not. */
    @FunctionalInterface
    interface Reading {
        SendRequest read() throws MailException;
    }

    Result send(Reading reading, OutcomeLog.Source source, Deadline deadline) {
        long start = System.nanoTime();
        Optional<SendRequest> request = Optional.empty();
        try {
            request = Optional.of(reading.read());
            Accepted accepted = sender.send(request.get(), deadline);
            outcomes.accepted(source, request.get(), accepted, start);
            return new Sent(accepted);
        } catch (MailException e) {
            outcomes.failed(source, request, e, "answered", Optional.empty(), start);
            return new Failed(
                    Problems.of(e, request.flatMap(SendRequest::idempotencyKey).isPresent()), Optional.of(e));
        } catch (RuntimeException e) {
            outcomes.unexpected(source, e);
            return new Failed(Problems.internalError(source.invocation().requestId()), Optional.empty());
        }
    }
}
