package dev.relaymail.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relaymail.MailHandler;
import dev.relaymail.testing.TestContext;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Messages per second through the real {@link MailHandler}, wired from the environment as Lambda wires it, on SQS
 * batches of 10 records of the benchmark message. Prints one JSON line.
 *
 * <p>Usage: {@code HandlerThroughput COUNT} with the function's settings (SMTP_HOST, …) in the environment. The
 * function logs to standard output as on Lambda; the result goes to standard error.
 */
public final class HandlerThroughput {
    private HandlerThroughput() {}

    public static void main(String[] args) throws Exception {
        int count = Integer.parseInt(args[0]);
        MailHandler handler = new MailHandler();
        BenchMessage message = BenchMessage.load();
        // Both runs' events are made before the first is sent: making them runs Jackson's tree and writer code that
        // the function also runs, and doing that between warm-up and run would change the profiles the JIT compiled
        // the function's code for, and so recompile it while the clock runs.
        List<byte[]> warmUp = events(message, Integer.parseInt(System.getProperty("bench.warmup", "500")), "warm-");
        List<byte[]> measured = events(message, count, "run-");
        send(handler, warmUp);
        Timed run = send(handler, measured);
        double seconds = run.nanos() / 1e9;
        System.err.printf(
                "{\"peer\": \"relaymail\", \"connections\": \"%s\", \"messages\": %d, \"seconds\": %.3f, "
                        + "\"per_second\": %.1f, %s}%n",
                System.getenv().getOrDefault("SMTP_CONNECTIONS", "default"),
                count,
                seconds,
                count / seconds,
                run.cpuJson());
    }

    /** How long a {@link #send} took, and the CPU it took ({@link CpuClock#json()}). */
    private record Timed(long nanos, String cpuJson) {}

    /** {@code count} messages as SQS events of batches of 10, their message ids starting with {@code prefix}. */
    private static List<byte[]> events(BenchMessage message, int count, String prefix) {
        String body = message.request().toString();
        List<byte[]> events = new ArrayList<>();
        for (int sent = 0; sent < count; sent += 10) {
            ObjectNode event = BenchMessage.JSON.createObjectNode();
            ArrayNode records = event.putArray("Records");
            for (int i = sent; i < Math.min(count, sent + 10); i++) {
                ObjectNode record = records.addObject();
                record.put("messageId", prefix + i);
                record.put("body", body);
                record.putObject("attributes").put("ApproximateReceiveCount", "1");
                record.put("eventSource", "aws:sqs");
                record.put("eventSourceARN", "arn:aws:sqs:eu-central-1:123456789012:relaymail-messages");
            }
            events.add(event.toString().getBytes(StandardCharsets.UTF_8));
        }
        return events;
    }

    /** Sends the events one after the other, as Lambda would invoke the function with them. */
    private static Timed send(MailHandler handler, List<byte[]> events) throws Exception {
        CpuClock cpu = new CpuClock();
        long start = System.nanoTime();
        for (byte[] event : events) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            handler.handleRequest(new ByteArrayInputStream(event), out, new TestContext(Duration.ofSeconds(60)));
            JsonNode answer = BenchMessage.JSON.readTree(out.toByteArray());
            if (!answer.path("batchItemFailures").isEmpty()) {
                throw new IllegalStateException("records failed: " + answer);
            }
        }
        long elapsed = System.nanoTime() - start;
        return new Timed(elapsed, cpu.json());
    }
}
