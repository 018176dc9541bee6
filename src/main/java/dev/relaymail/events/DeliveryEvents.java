package dev.relaymail.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relaymail.aws.AwsJsonClient;
import dev.relaymail.core.Deadline;
import dev.relaymail.core.MailAddress;
import dev.relaymail.core.MailException;
import dev.relaymail.core.Redact;
import dev.relaymail.core.RelayException;
import dev.relaymail.core.SendRequest;
import dev.relaymail.json.JsonTrees;
import dev.relaymail.logging.LogFields;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One EventBridge event per message outcome, on the bus {@code EVENT_BUS_NAME}: source {@code relaymail}, detail type
 * {@code Message accepted}, {@code Message failed} (refused for good, or answered with an error to an API caller),
 * {@code Message deferred} (a queue record that comes back later) or {@code Message given up} (dead-lettered after
 * {@code MAX_RETRY_AGE}). The detail has the outcome, the trigger, the Message-ID, idempotency key and tags, the relay's
 * reply code and the recipients, counted and masked as the logs mask them (in full only with
 * {@code EVENT_ADDRESSES=full}); never a body or a subject.
 *
 * <p>An invocation's events are collected ({@link Pending}) and published at its end with {@code PutEvents}, ten
 * entries a call, within the time the invocation has left. Publishing never fails the invocation, never runs past
 * its deadline and never sends a message again: an event that is not published is logged and counted
 * ({@code EventsNotPublished}).
 */
public final class DeliveryEvents {
    private static final Logger LOG = Logger.getLogger(DeliveryEvents.class.getName());
    static final String SOURCE = "relaymail";
    /** PutEvents takes at most ten entries a call. */
    static final int PER_CALL = 10;
    /** With less time left, no call is begun: it could not finish. */
    static final Duration LEAST_TIME = Duration.ofMillis(200);

    /** What became of a message, and its event's detail type. */
    public enum Outcome {
        ACCEPTED("accepted", "Message accepted"),
        FAILED("failed", "Message failed"),
        DEFERRED("deferred", "Message deferred"),
        GAVE_UP("gave_up", "Message given up");

        private final String name;
        private final String detailType;

        Outcome(String name, String detailType) {
            this.name = name;
            this.detailType = detailType;
        }
    }

    /**
     * What an event says of the message: its idempotency key, tags and recipients, from the request once it was read;
     * for a queue record returned without reading it, the key and tags its body names, without recipients.
     */
    public record Message(
            Optional<String> idempotencyKey, Map<String, String> tags, Optional<List<MailAddress>> recipients) {
        public Message {
            Objects.requireNonNull(idempotencyKey, "idempotencyKey");
            tags = Map.copyOf(tags);
            Objects.requireNonNull(recipients, "recipients");
        }

        public static Message of(SendRequest request) {
            return new Message(request.idempotencyKey(), request.tags(), Optional.of(request.envelopeRecipients()));
        }

        public static Message unread(String idempotencyKey, Map<String, String> tags) {
            return new Message(Optional.of(idempotencyKey), tags, Optional.empty());
        }
    }

    /** Where events are put: EventBridge's {@code PutEvents}, or nowhere. */
    interface EventBus {
        /**
         * Puts up to {@link #PER_CALL} entries, within the deadline.
         *
         * @return how many entries EventBridge did not take
         * @throws IOException when the call failed as a whole
         */
        int put(List<ObjectNode> entries, Deadline deadline) throws IOException;
    }

    private final Optional<EventBus> bus;
    private final Optional<String> busName;
    private final boolean fullAddresses;

    DeliveryEvents(Optional<EventBus> bus, Optional<String> busName, boolean fullAddresses) {
        this.bus = bus;
        this.busName = busName;
        this.fullAddresses = fullAddresses;
    }

    /** No events. */
    public static DeliveryEvents none() {
        return new DeliveryEvents(Optional.empty(), Optional.empty(), false);
    }

    /**
     * Events on the configured bus, through the function's own signed calls with the keys in the environment
     * ({@link AwsJsonClient#fromEnvironment}). Where the environment has no keys (SnapStart), none can be signed: the
     * start says so, and every event is counted as not published.
     */
    public static DeliveryEvents create(EventSettings settings, Map<String, String> env) {
        if (settings.busName().isEmpty()) {
            return none();
        }
        Optional<EventBus> bus = AwsJsonClient.fromEnvironment(env, AwsJsonClient.Service.EVENTBRIDGE)
                .map(SignedEventBus::new);
        if (bus.isEmpty()) {
            LOG.severe("EVENT_BUS_NAME is set, but the environment has no keys to sign PutEvents with (SnapStart?): "
                    + "delivery events are counted as not published");
        }
        return new DeliveryEvents(
                Optional.of(bus.orElse((entries, deadline) -> {
                    throw new IOException("no keys in the environment to sign PutEvents with");
                })),
                settings.busName(),
                settings.fullAddresses());
    }

    /** An invocation's events, from {@code trigger} ({@code api} or {@code sqs}). */
    public Pending pending(String trigger) {
        return new Pending(trigger);
    }

    /** The events of one invocation, collected from the threads that send its messages and published at its end. */
    public final class Pending {
        private final String trigger;
        private final List<ObjectNode> entries = new ArrayList<>();

        private Pending(String trigger) {
            this.trigger = trigger;
        }

        /**
         * One message's outcome.
         *
         * @param message      what the event says of the message, if anything is known
         * @param messageId    its Message-ID, once it was composed
         * @param sqsMessageId the queue record it came in
         * @param failure      why it was not sent, if it was not
         * @param retryIn      for a deferred record, when it comes back
         * @param attempts     for a queue record, how often it was received
         */
        public void add(
                Outcome outcome,
                Optional<Message> message,
                Optional<String> messageId,
                Optional<String> sqsMessageId,
                Optional<MailException> failure,
                Optional<Duration> retryIn,
                Optional<Integer> attempts,
                boolean duplicate) {
            if (bus.isEmpty()) {
                return;
            }
            ObjectNode detail = JsonNodeFactory.instance.objectNode();
            detail.put("outcome", outcome.name).put("trigger", trigger);
            messageId.ifPresent(id -> detail.put("messageId", id));
            sqsMessageId.ifPresent(id -> detail.put("sqsMessageId", id));
            message.ifPresent(m -> {
                m.idempotencyKey().ifPresent(key -> detail.put("idempotencyKey", key));
                ObjectNode tags = detail.putObject("tags");
                m.tags().forEach(tags::put);
                m.recipients().ifPresent(recipients -> {
                    detail.put("recipientCount", recipients.size());
                    ArrayNode addresses = detail.putArray("recipients");
                    recipients.forEach(a -> addresses.add(fullAddresses ? a.address() : Redact.address(a)));
                });
            });
            failure.ifPresent(f -> {
                detail.put("error", f.code()).put("retryable", f.retryable());
                if (f instanceof RelayException relay) {
                    relay.smtpCode().ifPresent(code -> detail.put("smtpCode", code));
                    detail.put("throttled", relay.throttled());
                }
            });
            retryIn.ifPresent(d -> detail.put("retryInSeconds", d.toSeconds()));
            attempts.ifPresent(n -> detail.put("attempts", n));
            if (duplicate) {
                detail.put("duplicate", true);
            }
            ObjectNode entry = JsonNodeFactory.instance.objectNode();
            entry.put("Source", SOURCE)
                    .put("DetailType", outcome.detailType)
                    .put("Detail", new String(JsonTrees.bytes(detail), java.nio.charset.StandardCharsets.UTF_8))
                    .put("EventBusName", busName.orElseThrow());
            synchronized (this) {
                entries.add(entry);
            }
        }

        /**
         * Publishes the events, ten a call, while the deadline leaves time for a call.
         *
         * @return how many were not published (logged here)
         */
        public synchronized int publish(Deadline deadline) {
            int notPublished = 0;
            String why = null;
            for (int from = 0; from < entries.size(); from += PER_CALL) {
                List<ObjectNode> call = entries.subList(from, Math.min(entries.size(), from + PER_CALL));
                if (!deadline.allows(LEAST_TIME)) {
                    notPublished += call.size();
                    why = "no time left in the invocation";
                    continue;
                }
                try {
                    int failed = bus.orElseThrow().put(call, deadline);
                    notPublished += failed;
                    why = failed > 0 ? "EventBridge did not take " + failed + " entries" : why;
                } catch (IOException | RuntimeException e) {
                    notPublished += call.size();
                    why = e.getMessage();
                }
            }
            if (notPublished > 0) {
                LOG.log(
                        Level.WARNING,
                        "delivery events not published",
                        LogFields.of()
                                .with("events", notPublished)
                                .with("of", entries.size())
                                .with("detail", why));
            }
            entries.clear();
            return notPublished;
        }
    }

    /**
     * PutEvents through the function's own signed call, made once: a call that timed out may have been taken, and
     * another would publish its events twice.
     */
    private static final class SignedEventBus implements EventBus {
        private static final int MAX_ANSWER_BYTES = 64 * 1024;
        private final AwsJsonClient events;

        SignedEventBus(AwsJsonClient events) {
            this.events = events;
        }

        @Override
        public int put(List<ObjectNode> entries, Deadline deadline) throws IOException {
            ObjectNode request = JsonNodeFactory.instance.objectNode();
            request.putArray("Entries").addAll(entries);
            try {
                JsonNode answer = JsonTrees.read(
                        events.callOnce("PutEvents", JsonTrees.bytes(request), MAX_ANSWER_BYTES, deadline));
                return answer.path("FailedEntryCount").asInt(0);
            } catch (AwsJsonClient.CallFailed e) {
                throw new IOException(e.getMessage(), e);
            }
        }
    }
}
