package dev.relaymail;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import dev.relaymail.config.Config;
import dev.relaymail.core.Deadline;
import dev.relaymail.core.Invocation;
import dev.relaymail.json.JsonTrees;
import dev.relaymail.logging.JsonLogging;
import dev.relaymail.logging.Metrics;
import dev.relaymail.relay.SmtpRelay;
import dev.relaymail.secrets.SecretReader;
import dev.relaymail.secrets.SecretsManagerCredentials;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;

/**
 * The Lambda entry point for every trigger. It reads the event exactly as Lambda delivers it (an API Gateway REST
 * proxy event, an HTTP API payload 2.0 event, or an SQS batch), hands it to the matching adapter, and writes the
 * answer in the matching shape. Everything is built once per container, in the constructor.
 */
public final class MailHandler implements RequestStreamHandler {
    /** Kept back from the invocation's remaining time, to write the answer before Lambda's own timeout. */
    static final Duration SAFETY_MARGIN = Duration.ofMillis(500);

    private final Components components;

    /** The constructor Lambda calls: reads the configuration from the environment and wires the real adapters. */
    public MailHandler() {
        this(production());
    }

    /** A container wired by the caller: the tests' harness and the local runner. */
    public MailHandler(Components components) {
        this.components = components;
    }

    /**
     * Wires the real adapters and warms the container up. The secret is read as soon as the configuration names it,
     * with a signed request of the function's own where the environment allows it ({@link SecretReader}); where the
     * AWS SDK's client must read it instead, the client is built on a second thread from the very start, since its
     * start is then the longest part of a cold start. The first relay connection opens at the same time (its TLS
     * handshake is otherwise the longest part), and this thread wires the rest and loads the code the first message
     * needs. With SnapStart (initialisation type {@code snap-start}) the SDK reads it, with the container credentials
     * Lambda gives SnapStart, and nothing is read or connected before the snapshot: the checkpoint hooks keep secrets
     * and connections out of it.
     */
    private static Components production() {
        Startup.setUpTls();
        boolean snapStart = "snap-start".equals(System.getenv("AWS_LAMBDA_INITIALIZATION_TYPE"));
        // under SnapStart the environment holds no keys (they come from a container endpoint): the SDK's client reads
        SecretReader reader = SecretReader.forEnvironment(System.getenv());
        if (!snapStart) {
            reader.prepare();
        }
        JsonLogging.install(System.getenv("LOG_LEVEL"), System.out);
        Config config = Config.fromEnvironment(System.getenv());
        SecretsManagerCredentials credentials = new SecretsManagerCredentials(reader, config.secretId());
        SmtpRelay relay = new SmtpRelay(config.relay(), credentials);
        Startup.Early early = snapStart ? Startup.Early.none() : Startup.Early.start(credentials, relay);
        Components components = Components.production(config, relay, credentials);
        org.crac.Core.getGlobalContext().register(components.startup());
        components.startup().warmUp(early);
        return components;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        JsonNode event = JsonTrees.read(input);
        Invocation invocation = new Invocation(
                context.getAwsRequestId(),
                Deadline.in(
                        Duration.ofMillis(context.getRemainingTimeInMillis()).minus(SAFETY_MARGIN)));
        EventShape shape = EventShape.of(event);
        String trigger = shape == EventShape.SQS ? "sqs" : "api";
        Metrics metrics = new Metrics(trigger, components.events().pending(trigger));
        JsonNode answer = switch (shape) {
            case SQS -> components.sqs().handle(event, invocation, metrics);
            case REST_API -> components.api().handleRest(event, invocation, metrics);
            case HTTP_API -> components.api().handleHttpApi(event, invocation, metrics);
        };
        metrics.eventsNotPublished(metrics.events().publish(invocation.deadline()));
        metrics.publish();
        JsonTrees.write(answer, output);
    }

    /** The three event shapes the function accepts. */
    enum EventShape {
        SQS,
        REST_API,
        HTTP_API;

        static EventShape of(JsonNode event) {
            if (event == null || !event.isObject()) {
                throw new IllegalArgumentException("the event is not a JSON object");
            }
            JsonNode records = event.path("Records");
            if (records.isArray()
                    && (records.isEmpty()
                            || "aws:sqs"
                                    .equals(records.get(0).path("eventSource").asText()))) {
                return SQS;
            }
            if ("2.0".equals(event.path("version").asText())
                    && event.path("requestContext").has("http")) {
                return HTTP_API;
            }
            if (event.has("httpMethod")) {
                return REST_API;
            }
            throw new IllegalArgumentException(
                    "unsupported event: expected an API Gateway REST or HTTP API event, " + "or an SQS batch");
        }
    }
}
