package dev.relaymail;

import static dev.relaymail.testing.Harness.message;
import static dev.relaymail.testing.ScriptedRelay.reply;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relaymail.testing.Await;
import dev.relaymail.testing.EventSourceMapping;
import dev.relaymail.testing.Harness;
import dev.relaymail.testing.Moto;
import dev.relaymail.testing.ScriptedRelay;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Pacing, backing off and giving up under a real queue: moto_server's SQS polled as Lambda's event source mapping
 * polls it ({@link EventSourceMapping}), the real handler in two containers (the template's least queue concurrency),
 * and a relay that throttles.
 */
class QueuePacingIT {
    private static final Pattern SUBJECT = Pattern.compile("\r\nSubject: ([^\r]*)\r\n");
    /** What the relay takes: ten messages a second, as a token bucket of ten. */
    private static final int RELAY_RATE = 10;

    /**
     * 300 messages at once to a relay that takes 10 a second and answers {@code 451 4.7.0} above that, from two
     * containers each configured to send 10 a second: together twice what the relay takes, as when SEND_RATE was
     * set for one container. Each container halves its rate at a throttling reply and grows it back by 10 a second
     * per minute; throttled records come back after a second or two.
     *
     * <p>The bound: the relay's bucket absorbs a second's burst, then each container is cut at most once per
     * throttling reply it meets at its new rate, and regrowing from half (5) to where the two together pass the
     * relay's 10 a second again takes the pair several seconds at 1/6 a second each. Over the 30 to 60 s the burst
     * takes, that is a few cuts per container, each with the sends already under way at the old rate. So at most a
     * tenth of the messages meet a throttling reply (30 of 300); without the backoff about half of each container's
     * sends would (some 300 in all, and the records' retries on top).
     */
    @Test
    void aBurstTwiceTheRelaysRateIsDeliveredOnceEachWithFewThrottledAttemptsAndNothingDeadLettered() throws Exception {
        int messages = 300;
        int bound = messages / 10;
        TokenBucket bucket = new TokenBucket(RELAY_RATE);
        AtomicInteger throttled = new AtomicInteger();
        try (ScriptedRelay relay = new ScriptedRelay();
                Harness h = new Harness(relay, "u", "p")
                        .with("SEND_RATE", Integer.toString(RELAY_RATE))
                        .with("RETRY_DELAY_SECONDS", "1")
                        .with("RETRY_DELAY_MAX_SECONDS", "4")) {
            relay.on("MAIL", c -> {
                if (bucket.take()) {
                    return null;
                }
                throttled.incrementAndGet();
                return reply("451 4.7.0 Rate limit exceeded, please try again later");
            });
            String queue = h.mailQueue();
            List<String> subjects = new ArrayList<>();
            for (int i = 0; i < messages; i++) {
                subjects.add("burst-" + i);
            }
            send(h, queue, subjects);
            long started = System.nanoTime();
            try (EventSourceMapping lambda = new EventSourceMapping(
                    queue, List.of(h.newContainer(), h.newContainer()), Duration.ofSeconds(60))) {
                await(
                        "every message delivered and the queue empty",
                        Duration.ofSeconds(240),
                        () -> relay.accepted().size() >= messages && lambda.inQueue() == 0);
                System.out.printf(
                        "burst: %d messages delivered in %.1f s, %d throttled attempts (bound %d), %d receives in %d"
                                + " invocations%n",
                        relay.accepted().size(),
                        (System.nanoTime() - started) / 1e9,
                        throttled.get(),
                        bound,
                        lambda.receives(),
                        lambda.invocations());
            }

            Map<String, Integer> delivered = new HashMap<>();
            for (byte[] payload : relay.accepted()) {
                delivered.merge(subject(payload), 1, Integer::sum);
            }
            for (String subject : subjects) {
                assertEquals(1, delivered.getOrDefault(subject, 0), subject + " delivered exactly once");
            }
            assertEquals(messages, relay.accepted().size());
            assertEquals(List.of(), h.deadLetters(), "nothing dead-lettered");
            assertTrue(throttled.get() > 0, "the relay throttled: the containers together sent above its rate");
            assertTrue(throttled.get() <= bound, throttled.get() + " throttled attempts, at most " + bound);
        }
    }

    /**
     * A relay that throttles every attempt for longer than MAX_RETRY_AGE (4 s here): each record is retried with a
     * growing delay until it is older than that, then kept in the dead-letter queue, once, with the reason.
     */
    @Test
    void aRecordThrottledForLongerThanMaxRetryAgeEndsInTheDeadLetterQueueOnceWithItsReason() throws Exception {
        int messages = 10;
        try (ScriptedRelay relay = new ScriptedRelay();
                Harness h = new Harness(relay, "u", "p")
                        .with("SEND_RATE", "40")
                        .with("MAX_RETRY_AGE", "4")
                        .with("RETRY_DELAY_SECONDS", "1")
                        .with("RETRY_DELAY_MAX_SECONDS", "2")) {
            relay.on("MAIL", c -> reply("451 4.7.0 Rate limit exceeded, please try again later"));
            String queue = h.mailQueue();
            List<String> subjects = new ArrayList<>();
            for (int i = 0; i < messages; i++) {
                subjects.add("old-" + i);
            }
            send(h, queue, subjects);
            Map<String, List<Message>> kept = new HashMap<>();
            try (EventSourceMapping lambda = new EventSourceMapping(
                    queue, List.of(h.newContainer(), h.newContainer()), Duration.ofSeconds(60))) {
                await("every record in the dead-letter queue", Duration.ofSeconds(120), () -> {
                    h.deadLetters()
                            .forEach(m -> kept.computeIfAbsent(subject(m.body()), s -> new ArrayList<>())
                                    .add(m));
                    return kept.size() >= messages && lambda.inQueue() == 0;
                });
            }
            for (List<Message> page = h.deadLetters(); !page.isEmpty(); page = h.deadLetters()) {
                page.forEach(m -> kept.computeIfAbsent(subject(m.body()), s -> new ArrayList<>())
                        .add(m));
            }

            assertEquals(List.of(), relay.accepted(), "nothing was sent");
            for (String subject : subjects) {
                List<Message> copies = kept.getOrDefault(subject, List.of());
                assertEquals(1, copies.size(), subject + " is in the dead-letter queue exactly once");
                Message m = copies.get(0);
                assertEquals("gave_up", SqsBatchIT.attribute(m, "error"));
                assertEquals("relay_deferred", SqsBatchIT.attribute(m, "lastError"));
                assertEquals("451", SqsBatchIT.attribute(m, "smtpCode"));
                String detail = SqsBatchIT.attribute(m, "detail");
                assertTrue(
                        detail.matches(
                                "gave up after \\d+ attempts over \\d+ s: last reply: the relay answered 451 4\\.7\\.0"
                                        + " Rate limit exceeded.*"),
                        detail);
                int attempts = Integer.parseInt(SqsBatchIT.attribute(m, "attempts"));
                assertTrue(attempts >= 2, "retried before it was given up: " + attempts);
            }
        }
    }

    /**
     * At 0.4 a second, an invocation with 6 s (4.5 s to start records in, after the handler's 0.5 s margin and the last
     * record's second) sends the first two records of a batch of five, 2.5 s apart (2 s to spare for a slow first
     * send), and returns the other three without trying them, made visible again in their turn (5, 7.5 and 10 s on)
     * rather than after the queue's 360 s.
     */
    @Test
    void recordsTheRateLeavesNoTimeForAreReturnedToComeBackInTheirTurn() throws Exception {
        try (Harness h = new Harness().with("SEND_RATE", "0.4")) {
            String queue = h.mailQueue();
            List<String> subjects = List.of("turn-0", "turn-1", "turn-2", "turn-3", "turn-4");
            send(h, queue, subjects);
            SqsClient sqs = Moto.sqs();
            List<Message> received = new ArrayList<>();
            await("the five records received", Duration.ofSeconds(10), () -> {
                received.addAll(sqs.receiveMessage(r -> r.queueUrl(queue)
                                .maxNumberOfMessages(10)
                                .messageSystemAttributeNames(MessageSystemAttributeName.ALL))
                        .messages());
                return received.size() == subjects.size();
            });
            String arn = sqs.getQueueAttributes(r -> r.queueUrl(queue).attributeNames(QueueAttributeName.QUEUE_ARN))
                    .attributes()
                    .get(QueueAttributeName.QUEUE_ARN);
            JsonNode event = EventSourceMapping.event(arn, received);

            List<String> reported = Harness.failures(Harness.invoke(
                    h.newContainer(), event.toString().getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(6)));

            assertEquals(2, h.relay.received().size(), "two start within the invocation at 0.4 a second");
            assertEquals(Harness.ids(event).subList(2, 5), reported, "the other three are returned, not tried");
            List<String> back = new ArrayList<>();
            await("the three returned records back", Duration.ofSeconds(30), () -> {
                sqs.receiveMessage(r -> r.queueUrl(queue).maxNumberOfMessages(10))
                        .messages()
                        .forEach(m -> back.add(subject(m.body())));
                return back.size() >= 3;
            });
            assertEquals(
                    List.of("turn-2", "turn-3", "turn-4"),
                    back.stream().sorted().toList(),
                    "back in their turn");
        }
    }

    private static void send(Harness h, String queue, List<String> subjects) {
        h.send(queue, subjects.stream().map(s -> message(s + "@example.org", s)).toList());
    }

    /** Waits for what a queue poller does, asking the queue or the relay every 200 ms, for at most {@code bound}. */
    static void await(String what, Duration bound, BooleanSupplier condition) {
        Await.until(what, bound, Duration.ofMillis(200), condition);
    }

    private static String subject(byte[] payload) {
        Matcher m = SUBJECT.matcher(new String(payload, StandardCharsets.US_ASCII));
        return m.find() ? m.group(1) : "?";
    }

    private static String subject(String body) {
        try {
            return Harness.JSON.readTree(body).path("subject").asText("?");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The relay's limit: {@code rate} messages a second, up to {@code rate} at once. */
    private static final class TokenBucket {
        private final int rate;
        private double tokens;
        private long at = System.nanoTime();

        TokenBucket(int rate) {
            this.rate = rate;
            this.tokens = rate;
        }

        synchronized boolean take() {
            long now = System.nanoTime();
            tokens = Math.min(rate, tokens + (now - at) / 1e9 * rate);
            at = now;
            if (tokens < 1) {
                return false;
            }
            tokens--;
            return true;
        }
    }
}
