package dev.relaymail.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relaymail.Components;
import dev.relaymail.MailHandler;
import dev.relaymail.config.Config;
import dev.relaymail.relay.SmtpRelay;
import dev.relaymail.secrets.SecretsManagerCredentials;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * The real handler with its production wiring, against real peers: a {@link TestRelay} with STARTTLS and AUTH, the
 * relay's credentials in moto_server's Secrets Manager, and a dead-letter queue in moto_server's SQS. Events are fed
 * as the JSON bytes Lambda delivers.
 */
public final class Harness implements AutoCloseable {
    public static final ObjectMapper JSON = new ObjectMapper();

    public final TestRelay relay;
    public final String deadLetterQueueUrl;
    public final Map<String, String> env = new HashMap<>();
    /** The relay connections of every container made here, closed with the harness. */
    private final List<SmtpRelay> containerRelays = new CopyOnWriteArrayList<>();

    private final SqsClient sqs = Moto.sqs();
    private MailHandler handler;

    public Harness(TestRelay relay) {
        this(relay, relay.port(), passwordSecret(relay.username(), relay.password()));
    }

    /** Against a scripted relay (which takes any credentials); {@link #relay} is then not used. */
    public Harness(ScriptedRelay scripted, String username, String password) {
        this(null, scripted.port(), passwordSecret(username, password));
    }

    /** Against a scripted relay, with this secret (OAuth2 client settings, for example). */
    public Harness(ScriptedRelay scripted, ObjectNode secret) {
        this(null, scripted.port(), secret);
    }

    /** Against a test relay, with this secret instead of the relay's password (OAuth2 client settings, for example). */
    public Harness(TestRelay relay, ObjectNode secret) {
        this(relay, relay.port(), secret);
    }

    private Harness(TestRelay relay, int port, ObjectNode secret) {
        this.relay = relay;
        String secretId = "relaymail/test/" + UUID.randomUUID();
        Moto.secretsManager().createSecret(r -> r.name(secretId).secretString(secret.toString()));
        deadLetterQueueUrl =
                sqs.createQueue(r -> r.queueName("dlq-" + UUID.randomUUID())).queueUrl();
        env.put("SMTP_HOST", "localhost");
        env.put("SMTP_PORT", Integer.toString(port));
        env.put("SMTP_SECRET_ID", secretId);
        env.put("DEFAULT_FROM", "Acme <noreply@example.com>");
        env.put("ALLOWED_FROM", "@example.com");
        env.put("DEAD_LETTER_QUEUE_URL", deadLetterQueueUrl);
        env.put("SMTP_CONNECT_TIMEOUT_MS", "2000");
        env.put("SMTP_TIMEOUT_MS", "3000");
    }

    public Harness() {
        this(TestRelay.start());
    }

    public static ObjectNode passwordSecret(String username, String password) {
        return JSON.createObjectNode().put("username", username).put("password", password);
    }

    /** Changes a setting before the first invocation. */
    public Harness with(String name, String value) {
        if (value == null) {
            env.remove(name);
        } else {
            env.put(name, value);
        }
        return this;
    }

    public JsonNode invoke(JsonNode event) {
        return invoke(event.toString().getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(30));
    }

    /** Keeps idempotency records in a new moto_server DynamoDB table; returns its name. */
    public String withIdempotency() {
        String table = Moto.idempotencyTable();
        with("IDEMPOTENCY_TABLE", table);
        return table;
    }

    public JsonNode invoke(byte[] event, Duration timeout) {
        if (handler == null) {
            handler = newContainer();
        }
        return invoke(handler, event, timeout);
    }

    /** Another container of the same function: its own handler, relay connection and caches. */
    public MailHandler newContainer() {
        return new MailHandler(components());
    }

    /** The production wiring of one container, with these settings. */
    public Components components() {
        Config config = Config.fromEnvironment(env);
        SecretsManagerCredentials credentials = SecretsManagerCredentials.create(config.secretId(), System.getenv());
        SmtpRelay smtp = new SmtpRelay(config.relay(), credentials);
        containerRelays.add(smtp);
        return Components.production(config, smtp, credentials);
    }

    public static JsonNode invoke(MailHandler handler, byte[] event, Duration timeout) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            handler.handleRequest(new ByteArrayInputStream(event), out, new TestContext(timeout));
            return JSON.readTree(out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A mail queue in moto_server as template.yaml makes it: 360 s visibility, moved to this harness's dead-letter
     * queue by its redrive policy after 1000 receives. Returns its URL.
     */
    public String mailQueue() {
        String dlqArn = sqs.getQueueAttributes(
                        r -> r.queueUrl(deadLetterQueueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes()
                .get(QueueAttributeName.QUEUE_ARN);
        return sqs.createQueue(r -> r.queueName("mail-" + UUID.randomUUID())
                        .attributes(Map.of(
                                QueueAttributeName.VISIBILITY_TIMEOUT,
                                "360",
                                QueueAttributeName.REDRIVE_POLICY,
                                "{\"deadLetterTargetArn\": \"" + dlqArn + "\", \"maxReceiveCount\": \"1000\"}")))
                .queueUrl();
    }

    /** Sends the bodies to the queue, ten a call. */
    public void send(String queueUrl, List<? extends JsonNode> bodies) {
        for (int from = 0; from < bodies.size(); from += 10) {
            List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
            for (JsonNode body : bodies.subList(from, Math.min(bodies.size(), from + 10))) {
                entries.add(SendMessageBatchRequestEntry.builder()
                        .id(Integer.toString(entries.size()))
                        .messageBody(body.toString())
                        .build());
            }
            if (!sqs.sendMessageBatch(r -> r.queueUrl(queueUrl).entries(entries))
                    .failed()
                    .isEmpty()) {
                throw new IllegalStateException("the queue did not take every message");
            }
        }
    }

    /** Every message now in the dead-letter queue, with its attributes. */
    public List<Message> deadLetters() {
        return sqs.receiveMessage(r -> r.queueUrl(deadLetterQueueUrl)
                        .maxNumberOfMessages(10)
                        .messageAttributeNames("All")
                        .waitTimeSeconds(0))
                .messages();
    }

    public static JsonNode sample(String name) {
        try {
            return JSON.readTree(Files.readString(Path.of("events", name)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The REST API sample with another body (and its Idempotency-Key header removed). */
    public static ObjectNode restEvent(JsonNode body) {
        ObjectNode event = (ObjectNode) sample("api-rest-invoice.json");
        event.put("body", body.toString());
        ((ObjectNode) event.get("headers")).remove("Idempotency-Key");
        ((ObjectNode) event.get("multiValueHeaders")).remove("Idempotency-Key");
        return event;
    }

    /** The HTTP API sample with another body (and its idempotency-key header removed). */
    public static ObjectNode httpApiEvent(JsonNode body) {
        ObjectNode event = (ObjectNode) sample("api-http-welcome.json");
        event.put("body", body.toString());
        ((ObjectNode) event.get("headers")).remove("idempotency-key");
        return event;
    }

    /**
     * An SQS batch shaped like the sample, one record per body, on the given queue ARN, sent to the queue and received
     * just now (its {@code SentTimestamp} and {@code ApproximateFirstReceiveTimestamp}).
     */
    public static ObjectNode sqsEvent(String queueArn, JsonNode... bodies) {
        JsonNode template = sample("sqs-batch.json").get("Records").get(0);
        ObjectNode event = JSON.createObjectNode();
        ArrayNode records = event.putArray("Records");
        String now = Long.toString(System.currentTimeMillis());
        for (int i = 0; i < bodies.length; i++) {
            ObjectNode record = template.deepCopy();
            ((ObjectNode) record.get("attributes"))
                    .put("SentTimestamp", now)
                    .put("ApproximateFirstReceiveTimestamp", now);
            record.put("messageId", "msg-" + i + "-" + UUID.randomUUID());
            record.put("body", bodies[i].toString());
            record.put("eventSourceARN", queueArn);
            if (queueArn.endsWith(".fifo")) {
                ((ObjectNode) record.get("attributes")).put("MessageGroupId", "group-1");
            }
            records.add(record);
        }
        return event;
    }

    public static ObjectNode message(String to, String subject) {
        ObjectNode body = JSON.createObjectNode();
        body.put("to", to);
        body.put("subject", subject);
        body.put("text", "Hello from the tests");
        return body;
    }

    /** The ids in a partial batch response. */
    public static List<String> failures(JsonNode response) {
        return response.get("batchItemFailures").findValuesAsText("itemIdentifier");
    }

    public static List<String> ids(JsonNode event) {
        return event.get("Records").findValuesAsText("messageId");
    }

    @Override
    public void close() {
        // the containers' connections first: a relay that stops while clients are still connected may wait for them
        containerRelays.forEach(SmtpRelay::close);
        if (relay != null) {
            relay.close();
        }
    }
}
