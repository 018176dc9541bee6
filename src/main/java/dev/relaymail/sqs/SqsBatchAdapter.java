package dev.relaymail.sqs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relaymail.core.Accepted;
import dev.relaymail.core.Deadline;
import dev.relaymail.core.Invocation;
import dev.relaymail.core.MailException;
import dev.relaymail.core.RelayException;
import dev.relaymail.core.SendRequest;
import dev.relaymail.core.Sender;
import dev.relaymail.events.DeliveryEvents;
import dev.relaymail.json.JsonTrees;
import dev.relaymail.logging.LogFields;
import dev.relaymail.logging.Metrics;
import dev.relaymail.logging.OutcomeLog;
import dev.relaymail.request.RequestReader;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A batch of SQS records, answered with a partial batch response ({@code batchItemFailures}).
 *
 * <ul>
 *   <li>Sent: handled. Permanent failure (invalid request, refused sender, too large, 5xx): kept in the dead-letter
 *       queue with the reason, which counts as handled; reported instead when there is no dead-letter queue or it
 *       fails, so that the queue's redrive policy moves it.</li>
 *   <li>Transient failure: reported, and made visible again after a delay that grows with its receive count, with
 *       jitter ({@link Retries}); a throttling reply also slows the container down ({@link SendRate}). A record that
 *       fails for now when it is older than {@code MAX_RETRY_AGE} is given up: kept in the dead-letter queue with the
 *       attempts, the age and the last reply.</li>
 *   <li>Pacing: records start no faster than the container's send rate. A record that could not start in this
 *       invocation at that rate is reported without trying it, to come back when its turn would be. An invocation
 *       that cannot start even its first record holds the batch until its last moment, so that the queue is not
 *       received over and over while the container waits.</li>
 *   <li>FIFO: records are sent one after the other; the first reported record and every later one are reported, so
 *       that order holds. Records of a standard queue are sent over up to {@code connections} relay connections at
 *       once, by {@link #workers(int)} threads: while each connection sends one record, another is composed and waits, so
 *       that its envelope can go in the same flight as the first one's content (one round trip per record).</li>
 *   <li>A batch starts with one record alone, so that a dead relay costs one attempt, unless the relay took a record
 *       of this container in the last {@link #RELAY_ANSWERED}: then the batch goes parallel from its first record.
 *       After a connection-level failure the next record tries one reconnect; if that fails too, the rest of the
 *       batch is reported without further attempts, to come back after their retry delay. A record the invocation
 *       has no time left for is reported to come back at once.</li>
 * </ul>
 * When a record comes back is set with SQS's {@code ChangeMessageVisibility} at the end of the batch; if that fails,
 * the queue's own visibility timeout applies. The idempotency key of a record without one is its SQS message id, so
 * its {@code Message-ID} is the same on every delivery. A failure in one record never fails the others.
 */
public final class SqsBatchAdapter {
    private static final Logger LOG = Logger.getLogger(SqsBatchAdapter.class.getName());
    /** The least time left in which a record is still started. */
    static final Duration RECORD_BUDGET = Duration.ofSeconds(1);
    /** A relay that took a record this recently is taken to be up: the next batch goes parallel from its first. */
    static final Duration RELAY_ANSWERED = Duration.ofSeconds(10);
    /**
     * SQS keeps a received message invisible for at most 12 hours from the receive; a quarter of an hour is left for
     * the time between the receive and the change (the batching window, the invocation).
     */
    static final Duration MAX_VISIBILITY = Duration.ofHours(12).minusMinutes(15);

    private final RequestReader reader;
    private final Sender sender;
    private final Optional<DeadLetterQueue> deadLetters;
    private final Optional<QueueVisibility> visibility;
    private final OutcomeLog outcomes;
    private final ExecutorService workers;
    private final Clock clock;
    private final SendRate pace;
    private final Retries retries;
    /** When the relay last took a record of this container ({@link System#nanoTime()}); at first, long enough ago. */
    private volatile long lastAccepted = System.nanoTime() - RELAY_ANSWERED.toNanos();

    public SqsBatchAdapter(
            RequestReader reader,
            Sender sender,
            Optional<DeadLetterQueue> deadLetters,
            Optional<QueueVisibility> visibility,
            OutcomeLog outcomes,
            int connections,
            QueueSettings settings,
            Clock clock) {
        this.reader = reader;
        this.sender = sender;
        this.deadLetters = deadLetters;
        this.visibility = visibility;
        this.outcomes = outcomes;
        this.clock = clock;
        this.pace = new SendRate(settings.sendRate(), clock);
        this.retries =
                new Retries(settings, clock, () -> ThreadLocalRandom.current().nextDouble());
        this.workers = Executors.newFixedThreadPool(workers(connections), r -> {
            Thread t = new Thread(r, "sqs-record");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * The threads that send a standard queue's records over {@code connections}: one sending and one ready per
     * connection, so that every connection finds a record waiting when its content goes, plus one being composed
     * while the others wait.
     */
    static int workers(int connections) {
        return 2 * connections + 1;
    }

    public JsonNode handle(JsonNode event, Invocation invocation, Metrics metrics) {
        List<SqsRecord> records = new ArrayList<>();
        event.path("Records").forEach(r -> records.add(SqsRecord.from(r)));
        Batch batch = new Batch(records, invocation);
        if (records.isEmpty()) {
            return batch.response();
        }
        boolean oneAtATime = records.stream().anyMatch(SqsRecord::fifo);
        // One record at a time until the relay answers, unless it took one a moment ago: a dead relay costs one
        // attempt and one reconnect, not one per connection. FIFO records always go one at a time.
        boolean alone = oneAtATime || System.nanoTime() - lastAccepted >= RELAY_ANSWERED.toNanos();
        Instant latest = clock.instant()
                .plusMillis(invocation.deadline().remainingMillis())
                .minus(RECORD_BUDGET);
        List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            if (!batch.mayStart()) {
                batch.start(i);
                continue;
            }
            Optional<Instant> slot = pace.take(latest);
            if (slot.isEmpty()) {
                if (i == 0) {
                    // not one record fits: returning at once would have the event source mapping hand over the next
                    // batch at once, and a paced-out queue would be received over and over
                    waitUntil(latest);
                }
                batch.paced(i, pace.slotsAfter(records.size() - i));
                break;
            }
            waitUntil(slot.get());
            int index = i;
            if (alone) {
                run(batch, index, slot.get(), metrics);
                alone = oneAtATime || batch.connectionFailed();
            } else {
                running.add(workers.submit(() -> run(batch, index, slot.get(), metrics)));
            }
        }
        for (Future<?> future : running) {
            await(future);
        }
        settle(batch, metrics);
        return batch.response();
    }

    private void waitUntil(Instant slot) {
        long millis = Duration.between(clock.instant(), slot).toMillis();
        if (millis > 0) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run(Batch batch, int index, Instant slot, Metrics metrics) {
        if (!batch.start(index)) {
            return;
        }
        batch.finish(index, process(batch.records.get(index), batch.invocation, slot, metrics));
    }

    private static void await(Future<?> future) {
        try {
            future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException("a record's task failed", e.getCause());
        }
    }

    private Result process(SqsRecord record, Invocation invocation, Instant slot, Metrics metrics) {
        OutcomeLog.Source source =
                new OutcomeLog.Source(invocation, record.messageId(), record.receiveCount(), metrics);
        long start = System.nanoTime();
        Optional<SendRequest> request = Optional.empty();
        try {
            request = Optional.of(read(record));
            Accepted accepted = sender.send(request.get(), invocation.deadline());
            lastAccepted = System.nanoTime();
            pace.accepted();
            outcomes.accepted(source, request.get(), accepted, start);
            return Result.HANDLED;
        } catch (MailException e) {
            if (e instanceof RelayException relay && relay.throttled()) {
                pace.throttled(slot);
            }
            if (!e.retryable()) {
                boolean kept = keep(record, DeadLetterQueue.Reason.of(e), invocation.deadline());
                outcomes.failed(source, request, e, kept ? "dead_letter" : "reported", Optional.empty(), start);
                return kept ? Result.HANDLED : Result.failed(e, null);
            }
            if (retries.givesUp(record)
                    && keep(
                            record,
                            DeadLetterQueue.Reason.gaveUp(e, record.receiveCount(), describe(retries.age(record))),
                            invocation.deadline())) {
                outcomes.failed(source, request, e, "gave_up", Optional.empty(), start);
                return Result.HANDLED;
            }
            Duration delay = comeBack(retries.delay(record.receiveCount()));
            outcomes.failed(source, request, e, "retry", Optional.of(delay), start);
            return Result.failed(e, delay);
        } catch (RuntimeException e) {
            outcomes.unexpected(source, e);
            return Result.failed(null, null);
        }
    }

    private SendRequest read(SqsRecord record) throws MailException {
        SendRequest read = reader.read(record.body(), Optional.empty());
        return read.idempotencyKey().isPresent() ? read : read.withIdempotencyKey(record.messageId());
    }

    private boolean keep(SqsRecord record, DeadLetterQueue.Reason reason, Deadline deadline) {
        if (deadLetters.isEmpty()) {
            return false;
        }
        try {
            deadLetters.get().keep(record, reason, deadline);
            return true;
        } catch (DeadLetterQueue.DeadLetterException e) {
            LOG.log(
                    Level.SEVERE,
                    "dead-letter queue refused a record; it is reported instead",
                    LogFields.of().with("sqsMessageId", record.messageId()).with("detail", e.getMessage()));
            return false;
        }
    }

    /**
     * Logs the records returned without trying them, and sets when each reported record comes back; a change that
     * fails leaves the queue's visibility timeout to it.
     */
    private void settle(Batch batch, Metrics metrics) {
        Map<SqsRecord, Duration> delays = new LinkedHashMap<>();
        for (int i = 0; i < batch.records.size(); i++) {
            SqsRecord record = batch.records.get(i);
            Duration delay = batch.comeBack[i];
            if (delay == null) {
                continue;
            }
            delays.put(record, delay);
            if (batch.notTried[i] != null) {
                outcomes.deferred(
                        new OutcomeLog.Source(batch.invocation, record.messageId(), record.receiveCount(), metrics),
                        unread(record),
                        batch.notTried[i],
                        delay);
            }
        }
        if (delays.isEmpty()) {
            return;
        }
        Set<SqsRecord> unchanged = visibility
                .map(v -> v.change(delays, batch.invocation.deadline()))
                .orElse(delays.keySet());
        metrics.visibilityNotChanged(unchanged.size());
    }

    /**
     * The idempotency key and tags a record's body names, read without validating it: the key the record would be
     * sent under ({@code idempotencyKey}, or its message id) and its string-valued tags.
     */
    private static DeliveryEvents.Message unread(SqsRecord record) {
        JsonNode body;
        try {
            body = JsonTrees.read(record.body());
        } catch (IOException e) {
            body = JsonNodeFactory.instance.objectNode();
        }
        JsonNode key = body.path("idempotencyKey");
        Map<String, String> tags = new LinkedHashMap<>();
        body.path("tags").properties().forEach(tag -> {
            if (tag.getValue().isTextual()) {
                tags.put(tag.getKey(), tag.getValue().textValue());
            }
        });
        return DeliveryEvents.Message.unread(key.isTextual() ? key.textValue() : record.messageId(), tags);
    }

    /** A delay as SQS takes it: whole seconds, rounded up, at most {@link #MAX_VISIBILITY}. */
    static Duration comeBack(Duration delay) {
        Duration capped = delay.compareTo(MAX_VISIBILITY) > 0 ? MAX_VISIBILITY : delay;
        return Duration.ofSeconds((capped.toMillis() + 999) / 1000);
    }

    /** An age in words: {@code 12 h 3 min}, {@code 4 min 10 s} or {@code 9 s}. */
    static String describe(Duration age) {
        if (age.toHours() > 0) {
            return age.toHours() + " h " + age.toMinutesPart() + " min";
        }
        return age.toMinutes() > 0 ? age.toMinutes() + " min " + age.toSecondsPart() + " s" : age.toSeconds() + " s";
    }

    /**
     * What became of one record: handled (sent or kept), or reported with the failure (none for a bug) and the delay
     * after which it comes back (none: the queue's visibility timeout).
     */
    private record Result(boolean handled, Optional<MailException> failure, Duration delay) {
        static final Result HANDLED = new Result(true, Optional.empty(), null);

        static Result failed(MailException failure, Duration delay) {
            return new Result(false, Optional.ofNullable(failure), delay);
        }
    }

    /** The state of one batch, shared by the threads that send its records. */
    private final class Batch {
        private final List<SqsRecord> records;
        private final Invocation invocation;
        private final boolean[] reported;
        /** When each reported record comes back; null: the queue's visibility timeout. */
        private final Duration[] comeBack;
        /** Why a record was reported without trying it; null for a record tried or not reported. */
        private final String[] notTried;

        private boolean connectionFailed;
        private String stopped;
        /** Records after a stop come back after their retry delay (the relay failed), or at once. */
        private boolean stoppedByRelay;

        Batch(List<SqsRecord> records, Invocation invocation) {
            this.records = records;
            this.invocation = invocation;
            this.reported = new boolean[records.size()];
            this.comeBack = new Duration[records.size()];
            this.notTried = new String[records.size()];
        }

        synchronized boolean connectionFailed() {
            return connectionFailed;
        }

        /**
         * Whether a record may still be started: nothing stopped the batch, and the invocation has time left (when it
         * has not, that stops the batch; a record the time leaves room for but the send rate does not is paced).
         */
        synchronized boolean mayStart() {
            if (stopped == null && !invocation.deadline().allows(RECORD_BUDGET)) {
                stopped = "no time left in this invocation";
            }
            return stopped == null;
        }

        /** Whether the record may be tried; if not, it is reported. */
        synchronized boolean start(int index) {
            if (!mayStart()) {
                reported[index] = true;
                notTried[index] = stopped;
                comeBack[index] = stoppedByRelay
                        ? comeBack(retries.delay(records.get(index).receiveCount()))
                        : Duration.ZERO;
            }
            return stopped == null;
        }

        /** Records from {@code from} on could not start in this invocation at the send rate: back in their turn. */
        synchronized void paced(int from, Duration[] waits) {
            for (int i = from; i < records.size(); i++) {
                reported[i] = true;
                notTried[i] = "the send rate leaves no time for it in this invocation";
                comeBack[i] = comeBack(waits[i - from]);
            }
        }

        synchronized void finish(int index, Result result) {
            if (result.handled()) {
                connectionFailed = false;
                return;
            }
            reported[index] = true;
            comeBack[index] = result.delay();
            boolean connectionLevel = result.failure()
                    .filter(RelayException.class::isInstance)
                    .map(f -> ((RelayException) f).connectionLevel())
                    .orElse(false);
            if (records.get(index).fifo()) {
                stopped = "a FIFO record before them failed";
            } else if (connectionLevel && connectionFailed) {
                stopped = "the relay failed twice in a row";
                stoppedByRelay = true;
            }
            connectionFailed = connectionLevel;
        }

        synchronized JsonNode response() {
            ObjectNode response = JsonNodeFactory.instance.objectNode();
            ArrayNode items = response.putArray("batchItemFailures");
            for (int i = 0; i < reported.length; i++) {
                if (reported[i]) {
                    items.addObject().put("itemIdentifier", records.get(i).messageId());
                }
            }
            if (stopped != null) {
                LOG.log(
                        Level.WARNING,
                        "reported the rest of the batch for retry without trying it",
                        LogFields.of()
                                .with("requestId", invocation.requestId())
                                .with("reason", stopped)
                                .with("batchItemFailures", items.size()));
            }
            return response;
        }
    }
}
