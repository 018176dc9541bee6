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
    private HandlerThroughput() {
    }

    public static void main(String[] args) throws Exception {
        int count = Integer.parseInt(args[0]);
        MailHandler handler = new MailHandler();
        BenchMessage message = BenchMessage.load();
        send(handler, message, Integer.parseInt(System.getProperty("bench.warmup", "500")), "warm-");
        Timed run = send(handler, message, count, "run-");
        double seconds = run.nanos() / 1e9;
        System.err.printf("{\"peer\": \"relaymail\", \"connections\": \"%s\", \"messages\": %d, \"seconds\": %.3f, "
                + "\"per_second\": %.1f, %s}%n", System.getenv().getOrDefault("SMTP_CONNECTIONS", "default"), count,
                seconds, count / seconds, run.cpuJson());
    }

    /** How long a {@link #send} took, and the CPU it took ({@link CpuClock#json()}). */
    private record Timed(long nanos, String cpuJson) {
    }

    /** Sends {@code count} messages in batches of 10, from event bytes built before the clock starts. */
    private static Timed send(MailHandler handler, BenchMessage message, int count, String prefix) throws Exception {
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
