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
import dev.relaymail.logging.LogFields;
import dev.relaymail.logging.Metrics;
import dev.relaymail.logging.OutcomeLog;
import dev.relaymail.request.RequestReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A batch of SQS records, answered with a partial batch response ({@code batchItemFailures}).
 *
 * <ul>
 *   <li>Sent: handled. Transient failure: reported, so SQS delivers the record again.</li>
 *   <li>Permanent failure (invalid request, refused sender, too large, 5xx): kept in the dead-letter queue with the
 *       reason, which counts as handled; reported instead when there is no dead-letter queue or it fails, so that the
 *       queue's redrive policy moves it.</li>
 *   <li>FIFO: records are sent one after the other; the first reported record and every later one are reported, so
 *       that order holds. Records of a standard queue are sent over up to {@code parallelism} relay connections at
 *       once.</li>
 *   <li>A batch starts with one record alone, so that a dead relay costs one attempt, unless the relay took a record
 *       of this container in the last {@link #RELAY_ANSWERED}: then the batch goes parallel from its first record.
 *       After a connection-level failure the next record tries one reconnect; if that fails too, the rest of the
 *       batch is reported without further attempts. So is every record the invocation has no time left for.</li>
 * </ul>
 * The idempotency key of a record without one is its SQS message id, so its {@code Message-ID} is the same on every
 * delivery. A failure in one record never fails the others.
 */
public final class SqsBatchAdapter {
    private static final Logger LOG = Logger.getLogger(SqsBatchAdapter.class.getName());
    /** The least time left in which a record is still started. */
    static final Duration RECORD_BUDGET = Duration.ofSeconds(1);
    /** A relay that took a record this recently is taken to be up: the next batch goes parallel from its first. */
    static final Duration RELAY_ANSWERED = Duration.ofSeconds(10);

    private final RequestReader reader;
    private final Sender sender;
    private final Optional<DeadLetterQueue> deadLetters;
    private final OutcomeLog outcomes;
    private final Optional<ExecutorService> workers;
    /** When the relay last took a record of this container ({@link System#nanoTime()}); at first, long enough ago. */
    private volatile long lastAccepted = System.nanoTime() - RELAY_ANSWERED.toNanos();

    public SqsBatchAdapter(
            RequestReader reader,
            Sender sender,
            Optional<DeadLetterQueue> deadLetters,
            OutcomeLog outcomes,
            int parallelism) {
        this.reader = reader;
        this.sender = sender;
        this.deadLetters = deadLetters;
        this.outcomes = outcomes;
        this.workers = parallelism < 2
                ? Optional.empty()
                : Optional.of(Executors.newFixedThreadPool(parallelism, r -> {
                    Thread t = new Thread(r, "sqs-record");
                    t.setDaemon(true);
                    return t;
                }));
    }

    public JsonNode handle(JsonNode event, Invocation invocation, Metrics metrics) {
        List<SqsRecord> records = new ArrayList<>();
        event.path("Records").forEach(r -> records.add(SqsRecord.from(r)));
        Batch batch = new Batch(records, invocation);
        boolean fifo = records.stream().anyMatch(SqsRecord::fifo);
        if (records.isEmpty()) {
            return batch.response();
        }
        int next = 0;
        // One record at a time until the relay answers, unless it took one a moment ago: a dead relay costs one
        // attempt and one reconnect, not one per connection. FIFO records always go one at a time.
        boolean oneAtATime = fifo || workers.isEmpty();
        if (oneAtATime || System.nanoTime() - lastAccepted >= RELAY_ANSWERED.toNanos()) {
            do {
                run(batch, next++, metrics);
            } while (next < records.size() && (oneAtATime || batch.connectionFailed()));
        }
        List<Future<?>> running = new ArrayList<>();
        for (int i = next; i < records.size(); i++) {
            int index = i;
            running.add(workers.orElseThrow().submit(() -> run(batch, index, metrics)));
        }
        for (Future<?> future : running) {
            await(future);
        }
        return batch.response();
    }

    private void run(Batch batch, int index, Metrics metrics) {
        SqsRecord record = batch.records.get(index);
        if (!batch.start(index)) {
            return;
        }
        batch.finish(index, process(record, batch.invocation, metrics));
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

    private Result process(SqsRecord record, Invocation invocation, Metrics metrics) {
        OutcomeLog.Source source = new OutcomeLog.Source(invocation, Optional.of(record.messageId()), metrics);
        long start = System.nanoTime();
        Optional<SendRequest> request = Optional.empty();
        try {
            SendRequest read = reader.read(record.body(), Optional.empty());
            request =
                    Optional.of(read.idempotencyKey().isPresent() ? read : read.withIdempotencyKey(record.messageId()));
            Accepted accepted = sender.send(request.get(), invocation.deadline());
            lastAccepted = System.nanoTime();
            outcomes.accepted(source, request.get(), accepted, start);
            return new Result(true, Optional.empty());
        } catch (MailException e) {
            boolean kept = !e.retryable() && keep(record, e, invocation.deadline());
            outcomes.failed(source, request, e, e.retryable() ? "retry" : kept ? "dead_letter" : "reported", start);
            return new Result(kept, Optional.of(e));
        } catch (RuntimeException e) {
            outcomes.unexpected(source, e);
            return new Result(false, Optional.empty());
        }
    }

    private boolean keep(SqsRecord record, MailException reason, Deadline deadline) {
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

    /** What became of one record: handled (sent or kept) or not, and the failure if there was one. */
    private record Result(boolean handled, Optional<MailException> failure) {}

    /** The state of one batch, shared by the threads that send its records. */
    private static final class Batch {
        private final List<SqsRecord> records;
        private final Invocation invocation;
        private final boolean[] reported;
        private boolean connectionFailed;
        private String stopped;

        Batch(List<SqsRecord> records, Invocation invocation) {
            this.records = records;
            this.invocation = invocation;
            this.reported = new boolean[records.size()];
        }

        synchronized boolean connectionFailed() {
            return connectionFailed;
        }

        /** Whether the record may be tried; if not, it is reported. */
        synchronized boolean start(int index) {
            if (stopped == null && !invocation.deadline().allows(RECORD_BUDGET)) {
                stopped = "no time left in this invocation";
            }
            reported[index] = stopped != null;
            return stopped == null;
        }

        synchronized void finish(int index, Result result) {
            if (result.handled()) {
                connectionFailed = false;
                return;
            }
            reported[index] = true;
            boolean connectionLevel = result.failure()
                    .filter(RelayException.class::isInstance)
                    .map(f -> ((RelayException) f).connectionLevel())
                    .orElse(false);
            if (records.get(index).fifo()) {
                stopped = "a FIFO record before them failed";
            } else if (connectionLevel && connectionFailed) {
                stopped = "the relay failed twice in a row";
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
