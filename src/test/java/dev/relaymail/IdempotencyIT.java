package dev.relaymail;

import static dev.relaymail.testing.Harness.JSON;
import static dev.relaymail.testing.Harness.failures;
import static dev.relaymail.testing.Harness.ids;
import static dev.relaymail.testing.Harness.message;
import static dev.relaymail.testing.Harness.restEvent;
import static dev.relaymail.testing.Harness.sqsEvent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relaymail.testing.Harness;
import dev.relaymail.testing.Moto;
import dev.relaymail.testing.ScriptedRelay;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Idempotency on moto_server's DynamoDB through the real SDK, with the real handler and a scripted relay. */
class IdempotencyIT {
    private static final String QUEUE = "arn:aws:sqs:eu-central-1:123456789012:relaymail-messages";
    private final DynamoDbClient dynamo = Moto.dynamoDb();

    static ObjectNode keyed(ObjectNode body, String key) {
        ObjectNode event = restEvent(body);
        ((ObjectNode) event.get("headers")).put("Idempotency-Key", key);
        return event;
    }

    private Map<String, AttributeValue> record(String table, String key) {
        return dynamo.getItem(r -> r.tableName(table)
                        .key(Map.of("id", AttributeValue.fromS(key)))
                        .consistentRead(true))
                .item();
    }

    @Test
    void aRepeatedKeyGetsTheFirstAnswerBackAndNothingIsSent() throws Exception {
        try (ScriptedRelay relay = new ScriptedRelay();
                Harness h = new Harness(relay, "u", "p")) {
            String table = h.withIdempotency();
            JsonNode first = h.invoke(keyed(message("ann@example.org", "Receipt"), "order-1"));
            JsonNode again = Harness.invoke(
                    h.newContainer(),
                    keyed(message("ann@example.org", "Receipt"), "order-1")
                            .toString()
                            .getBytes(StandardCharsets.UTF_8),
                    Duration.ofSeconds(30));

            assertEquals(202, first.get("statusCode").asInt());
            assertEquals(202, again.get("statusCode").asInt());
            assertEquals(first.get("body").asText(), again.get("body").asText(), "the same body");
            assertEquals("true", again.get("headers").get("Idempotent-Replayed").asText());
            assertFalse(first.get("headers").has("Idempotent-Replayed"));
            assertEquals(1, relay.payloads().size(), "sent once");

            Map<String, AttributeValue> item = record(table, "order-1");
            assertEquals("COMPLETED", item.get("status").s());
            long expires = Long.parseLong(item.get("expiresAt").n());
            long inADay = Instant.now().plus(Duration.ofHours(24)).getEpochSecond();
            assertTrue(Math.abs(expires - inADay) < 120, "TTL 24 h: " + expires);
        }
    }

    @Test
    void theSameRequestWrittenDifferentlyIsTheSamePayload() throws Exception {
        try (ScriptedRelay relay = new ScriptedRelay();
                Harness h = new Harness(relay, "u", "p")) {
            h.withIdempotency();
            ObjectNode request = message("ann@example.org", "Receipt");
            request.putArray("attachments").addObject().put("filename", "a.txt").put("content", "aGVsbG8gd29ybGQ=");
            h.invoke(keyed(request, "order-2"));
            ObjectNode event = keyed(request, "order-2");
            event.put(
                    "body",
                    "{ \"attachments\": [{\"content\": \"aGVsbG8g\\r\\nd29ybGQ=\", \"filename\": \"a.txt\"}],"
                            + " \"subject\": \"Receipt\", \"text\": \"Hello from the tests\", \"to\": [\"ann@example.org\"] }");

            JsonNode again = h.invoke(event);

            assertEquals(202, again.get("statusCode").asInt(), again.toString());
            assertEquals("true", again.get("headers").get("Idempotent-Replayed").asText());
            assertEquals(1, relay.payloads().size());
        }
    }

    @Test
    void aKeyReusedForAnotherRequestIs422() throws Exception {
        try (ScriptedRelay relay = new ScriptedRelay();
                Harness h = new Harness(relay, "u", "p")) {
            h.withIdempotency();
            h.invoke(keyed(message("ann@example.org", "Receipt"), "order-3"));
            JsonNode other = h.invoke(keyed(message("bob@example.net", "Another receipt"), "order-3"));

            assertEquals(422, other.get("statusCode").asInt());
            JsonNode problem = JSON.readTree(other.get("body").asText());
            assertEquals(
                    "urn:relaymail:problem:idempotency_key_reused",
                    problem.get("type").asText());
            assertEquals(
                    "idempotencyKey", problem.get("errors").get(0).get("field").asText());
            assertEquals(1, relay.payloads().size());
        }
    }

    @Test
    void aKeyBeingSentByAnotherContainerIs409() throws Exception {
        CountDownLatch dataArrived = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (ScriptedRelay relay = new ScriptedRelay();
                // the relay holds the first message until the second is answered: a read timeout longer than
                // the harness's 3 s, so that only the 10 s bound ends that wait on a busy machine
                Harness h = new Harness(relay, "u", "p").with("SMTP_TIMEOUT_MS", "15000")) {
            h.withIdempotency();
            relay.on("DOT", c -> {
                dataArrived.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return null;
            });
            byte[] event = keyed(message("ann@example.org", "Slow"), "order-4")
                    .toString()
                    .getBytes(StandardCharsets.UTF_8);
            MailHandler first = h.newContainer();
            CompletableFuture<JsonNode> firstAnswer =
                    CompletableFuture.supplyAsync(() -> Harness.invoke(first, event, Duration.ofSeconds(30)));
            assertTrue(dataArrived.await(10, TimeUnit.SECONDS));

            JsonNode second = Harness.invoke(h.newContainer(), event, Duration.ofSeconds(30));
            release.countDown();

            assertEquals(409, second.get("statusCode").asInt(), second.toString());
            assertTrue(second.get("headers").has("Retry-After"));
            assertEquals(
                    202, firstAnswer.get(10, TimeUnit.SECONDS).get("statusCode").asInt());
            assertEquals(1, relay.payloads().size());
        }
    }

    @Test
    void aFailedSendGivesTheKeyUpSoThatARetrySends() throws Exception {
        try (ScriptedRelay relay = new ScriptedRelay();
                Harness h = new Harness(relay, "u", "p")) {
            String table = h.withIdempotency();
            relay.on("RCPT", c -> c.occurrence() == 0 ? ScriptedRelay.reply("451 4.3.0 try later") : null);

            JsonNode failed = h.invoke(keyed(message("ann@example.org", "Receipt"), "order-5"));
            assertEquals(503, failed.get("statusCode").asInt());
            assertTrue(record(table, "order-5").isEmpty(), "the claim was released");

            JsonNode retried = h.invoke(keyed(message("ann@example.org", "Receipt"), "order-5"));
            assertEquals(202, retried.get("statusCode").asInt());
            assertFalse(retried.get("headers").has("Idempotent-Replayed"));
            assertEquals(1, relay.payloads().size());
        }
    }

    @Test
    void anAbandonedClaimIsTakenOverOnceItExpires() throws Exception {
        try (ScriptedRelay relay = new ScriptedRelay();
                Harness h = new Harness(relay, "u", "p")) {
            String table = h.withIdempotency();
            dynamo.putItem(r -> r.tableName(table)
                    .item(Map.of(
                            "id",
                            AttributeValue.fromS("order-6"),
                            "status",
                            AttributeValue.fromS("IN_PROGRESS"),
                            "fingerprint",
                            AttributeValue.fromS("x"),
                            "inProgressUntil",
                            AttributeValue.fromN(
                                    Long.toString(Instant.now().minusSeconds(5).toEpochMilli())),
                            "expiresAt",
                            AttributeValue.fromN("9999999999"))));

            assertEquals(
                    202,
                    h.invoke(keyed(message("ann@example.org", "Receipt"), "order-6"))
                            .get("statusCode")
                            .asInt());
            assertEquals("COMPLETED", record(table, "order-6").get("status").s());
        }
    }

    @Test
    void withoutItsStoreNothingIsSent() throws Exception {
        try (ScriptedRelay relay = new ScriptedRelay();
                Harness h = new Harness(relay, "u", "p")) {
            h.with("IDEMPOTENCY_TABLE", "no-such-table");
            JsonNode answer = h.invoke(keyed(message("ann@example.org", "Receipt"), "order-7"));
            assertEquals(503, answer.get("statusCode").asInt());
            assertEquals(
                    "urn:relaymail:problem:idempotency_unavailable",
                    JSON.readTree(answer.get("body").asText()).get("type").asText());
            assertEquals(0, relay.connections());
        }
    }

    @Test
    void aRedeliveredSqsRecordIsNotSentTwice() throws Exception {
        try (ScriptedRelay relay = new ScriptedRelay();
                Harness h = new Harness(relay, "u", "p")) {
            h.withIdempotency();
            JsonNode event = sqsEvent(QUEUE, message("ann@example.org", "once"), message("bob@example.net", "twice"));

            assertEquals(0, failures(h.invoke(event)).size());
            assertEquals(
                    0,
                    failures(Harness.invoke(
                                    h.newContainer(),
                                    event.toString().getBytes(StandardCharsets.UTF_8),
                                    Duration.ofSeconds(30)))
                            .size(),
                    "the redelivery is handled");
            assertEquals(2, relay.payloads().size());
        }
    }

    @Test
    void anSqsRecordReusingAKeyForAnotherPayloadGoesToTheDeadLetterQueue() throws Exception {
        try (ScriptedRelay relay = new ScriptedRelay();
                Harness h = new Harness(relay, "u", "p")) {
            h.withIdempotency();
            JsonNode event = sqsEvent(
                    QUEUE,
                    message("ann@example.org", "one").put("idempotencyKey", "k-1"),
                    message("bob@example.net", "two").put("idempotencyKey", "k-1"));

            assertEquals(0, failures(h.invoke(event)).size());
            assertEquals(1, relay.payloads().size());
            var kept = h.deadLetters().get(0).messageAttributes();
            assertEquals("idempotency_key_reused", kept.get("error").stringValue());
            assertEquals(ids(event).get(1), kept.get("sourceMessageId").stringValue());
        }
    }
}
