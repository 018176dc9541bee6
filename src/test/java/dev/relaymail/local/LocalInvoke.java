package dev.relaymail.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relaymail.Components;
import dev.relaymail.MailHandler;
import dev.relaymail.config.Config;
import dev.relaymail.core.Deadline;
import dev.relaymail.logging.JsonLogging;
import dev.relaymail.relay.SmtpRelay;
import dev.relaymail.secrets.CredentialsSource;
import dev.relaymail.secrets.SecretsManagerCredentials;
import dev.relaymail.sqs.DeadLetterQueue;
import dev.relaymail.sqs.SqsRecord;
import dev.relaymail.testing.Moto;
import dev.relaymail.testing.OAuth2Secrets;
import dev.relaymail.testing.ServiceAccountKey;
import dev.relaymail.testing.TestContext;
import dev.relaymail.testing.TestCredentials;
import dev.relaymail.testing.TestRelay;
import dev.relaymail.testing.TestTokenEndpoint;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Runs the real handler on an event file, end to end, with no AWS account and no Docker: an embedded relay with
 * real STARTTLS (the test CA, trusted the standard JVM way) and AUTH, local credentials, the settings of
 * {@code events/env.json} pointed at that relay, a dead-letter queue that prints, and, for an event that refers to
 * S3 objects, moto_server holding the sample files of {@code events/objects/}. Prints the handler's answer and
 * every message exactly as the relay received it, and saves each as {@code target/local-invoke/N.eml}.
 *
 * <p>Usage: {@code ./local-invoke [--failover] [--oauth2 | --google] events/api-rest-invoice.json}. {@code --failover}
 * puts a relay that refuses connections first in {@code SMTP_HOST}; {@code --oauth2} makes the relay take only
 * {@code AUTH XOAUTH2} and the secret (in moto_server) an OAuth2 client of a local token endpoint; {@code --google}
 * does the same with a Google service account's key in the secret, the endpoint checking its signed assertions.
 */
public final class LocalInvoke {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> OPTIONS = Set.of("--failover", "--oauth2", "--google");
    private static final String USAGE = "usage: ./local-invoke [--failover] [--oauth2 | --google] events/<event>.json";

    private LocalInvoke() {}

    public static void main(String[] args) throws Exception {
        List<String> options =
                Arrays.stream(args).filter(a -> a.startsWith("--")).toList();
        List<String> files =
                Arrays.stream(args).filter(a -> !a.startsWith("--")).toList();
        boolean google = options.contains("--google");
        boolean oauth2 = google || options.contains("--oauth2");
        if (files.size() != 1 || !OPTIONS.containsAll(options) || (google && options.contains("--oauth2"))) {
            System.err.println(USAGE);
            System.exit(2);
        }
        trustTheTestCa();
        JsonLogging.install(System.getenv().getOrDefault("LOG_LEVEL", "INFO"), System.err);
        Logger.getLogger("org.subethamail").setLevel(Level.WARNING);
        byte[] event = Files.readAllBytes(Path.of(files.get(0)));
        if (oauth2 || new String(event, StandardCharsets.UTF_8).contains("s3://")) {
            useMoto();
        }
        serveSampleObjects(event);
        PrintStream out = System.out;
        Optional<TestTokenEndpoint> tokens = oauth2 ? Optional.of(TestTokenEndpoint.start()) : Optional.empty();
        try (TestRelay relay = tokens.map(
                        t -> TestRelay.withXoauth2(token -> t.issued().contains(token)))
                .orElseGet(TestRelay::start)) {
            CredentialsSource credentials = tokens.isPresent()
                    ? oauth2Secret(tokens.get(), google)
                    : TestCredentials.fixed(relay.username(), relay.password());
            Config config = config(event, relay, options.contains("--failover"));
            MailHandler handler = new MailHandler(Components.wire(
                    config,
                    new SmtpRelay(config.relay(), credentials),
                    credentials,
                    Optional.of(new PrintingDeadLetterQueue(out)),
                    Optional.empty(),
                    Optional.empty(),
                    dev.relaymail.events.DeliveryEvents.none(),
                    Clock.systemUTC()));
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            handler.handleRequest(new ByteArrayInputStream(event), answer, new TestContext(Duration.ofSeconds(30)));

            out.println("== answer of MailHandler");
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.readTree(answer.toByteArray())));
            tokens.ifPresent(t -> out.printf(
                    "%n== the token endpoint issued %d token(s), asked with grant_type %s%n",
                    t.issued().size(),
                    t.requests().stream()
                            .map(r -> r.form().get("grant_type"))
                            .distinct()
                            .toList()));
            Path dir = Files.createDirectories(Path.of("target", "local-invoke"));
            int n = 0;
            for (TestRelay.Received message : relay.received()) {
                Path eml = dir.resolve(++n + ".eml");
                Files.write(eml, message.data());
                out.printf(
                        "%n== message %d as the relay received it over STARTTLS, AUTH as %s; saved as %s%n",
                        n, message.user().orElse("?"), eml);
                out.println("MAIL FROM:<" + message.envelopeFrom() + ">");
                message.recipients().forEach(r -> out.println("RCPT TO:<" + r + ">"));
                out.println("DATA");
                out.print(new String(message.data(), StandardCharsets.UTF_8));
                out.println(".");
            }
            if (n == 0) {
                out.println("\n== the relay received no message");
            }
        } finally {
            tokens.ifPresent(TestTokenEndpoint::close);
        }
    }

    /**
     * The settings of events/env.json for the function the event is for, pointed at the embedded relay; with
     * {@code failover}, behind a first relay that refuses connections.
     */
    private static Config config(byte[] event, TestRelay relay, boolean failover) throws Exception {
        boolean sqs = JSON.readTree(event).has("Records");
        JsonNode settings = JSON.readTree(Files.readString(Path.of("events", "env.json")))
                .get(sqs ? "MailQueueFunction" : "MailApiFunction");
        Map<String, String> env = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = settings.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> setting = it.next();
            env.put(setting.getKey(), setting.getValue().asText());
        }
        env.put("SMTP_HOST", failover ? "localhost:" + closedPort() + ",localhost:" + relay.port() : "localhost");
        env.put("SMTP_PORT", Integer.toString(relay.port()));
        env.put("SMTP_TLS", "starttls");
        env.remove("DEAD_LETTER_QUEUE_URL");
        return Config.fromEnvironment(env);
    }

    /**
     * When the event refers to S3 objects, moto_server (started here if need be) plays S3, holding the files under
     * {@code events/objects/<bucket>/<key>}; the function reads them through the real SDK.
     */
    private static void serveSampleObjects(byte[] event) throws IOException {
        if (!new String(event, StandardCharsets.UTF_8).contains("s3://")) {
            return;
        }
        S3Client s3 = Moto.s3();
        Path root = Path.of("events", "objects");
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Path relative = root.relativize(file);
                String bucket = relative.getName(0).toString();
                String key =
                        relative.subpath(1, relative.getNameCount()).toString().replace('\\', '/');
                Moto.createBucket(bucket);
                s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromFile(file));
            }
        }
    }

    /** Points the AWS SDK at moto_server (started when nothing listens there), unless AWS_ENDPOINT_URL is set. */
    private static void useMoto() {
        if (System.getenv("AWS_ENDPOINT_URL") == null) {
            System.setProperty("aws.endpointUrl", "http://127.0.0.1:5123");
            System.setProperty("aws.region", "eu-central-1");
            System.setProperty("aws.accessKeyId", "local");
            System.setProperty("aws.secretAccessKey", "local");
        }
        Moto.endpoint();
    }

    /**
     * An OAuth2 secret in moto_server's Secrets Manager, for the local token endpoint, read the production way: the
     * function gets a token there and authenticates with AUTH XOAUTH2. The secret holds a client's credentials, or,
     * for {@code google}, the key file of a service account made now, which the endpoint is told to trust.
     */
    private static CredentialsSource oauth2Secret(TestTokenEndpoint tokens, boolean google) {
        String secretId = "relaymail/local-oauth2/" + UUID.randomUUID();
        String username = "billing@example.com";
        ObjectNode secret;
        if (google) {
            ServiceAccountKey account = ServiceAccountKey.generate();
            tokens.trust(account);
            secret = OAuth2Secrets.serviceAccount(username, account, tokens.uri());
        } else {
            secret = OAuth2Secrets.clientCredentials(
                            username, tokens.uri().toString(), "local-client", "local-client-secret")
                    .put("scope", "https://outlook.office365.com/.default");
        }
        Moto.secretsManager().createSecret(r -> r.name(secretId).secretString(secret.toString()));
        return SecretsManagerCredentials.create(secretId, System.getenv());
    }

    /** A local port that refuses connections, as a relay that is down does. */
    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void trustTheTestCa() throws URISyntaxException {
        Path store =
                Path.of(LocalInvoke.class.getResource("/tls/truststore.p12").toURI());
        System.setProperty("javax.net.ssl.trustStore", store.toString());
        System.setProperty("javax.net.ssl.trustStorePassword", "changeit");
        System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
    }

    /** Shows what would go to the dead-letter queue. */
    private static final class PrintingDeadLetterQueue implements DeadLetterQueue {
        private final PrintStream out;

        PrintingDeadLetterQueue(PrintStream out) {
            this.out = out;
        }

        @Override
        public void keep(SqsRecord record, Reason reason, Deadline deadline) {
            ObjectNode attributes = JSON.createObjectNode()
                    .put("error", reason.error())
                    .put("detail", reason.detail())
                    .put("sourceMessageId", record.messageId())
                    .put("attempts", record.receiveCount());
            out.println("== kept in the dead-letter queue: " + attributes);
        }
    }
}
