package dev.relaymail.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The {@code moto_server} AWS emulator the integration tests talk to through the real SDK. Its address comes from
 * {@code AWS_ENDPOINT_URL}, set for the test JVM by the build; when nothing listens there, it is started here (and
 * stopped when the JVM exits), so that the test command works on its own.
 */
public final class Moto {
    private static URI endpoint;

    private Moto() {}

    public static synchronized URI endpoint() {
        if (endpoint == null) {
            String url = Optional.ofNullable(System.getenv("AWS_ENDPOINT_URL"))
                    .orElse(System.getProperty("aws.endpointUrl"));
            if (url == null) {
                throw new IllegalStateException("AWS_ENDPOINT_URL is not set: run the tests with mvn verify");
            }
            URI uri = URI.create(url);
            if (!listening(uri)) {
                start(uri);
            }
            endpoint = uri;
        }
        return endpoint;
    }

    /** A Secrets Manager client configured the standard way (region, endpoint and keys from the environment). */
    public static SecretsManagerClient secretsManager() {
        endpoint();
        return SecretsManagerClient.builder()
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    public static SqsClient sqs() {
        endpoint();
        return SqsClient.builder().httpClient(UrlConnectionHttpClient.create()).build();
    }

    public static DynamoDbClient dynamoDb() {
        endpoint();
        return DynamoDbClient.builder()
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    public static S3Client s3() {
        endpoint();
        return S3Client.builder().httpClient(UrlConnectionHttpClient.create()).build();
    }

    /**
     * A call to moto_server's EventBridge (JSON protocol), made with the function's own signed client: the build has
     * no SDK client for EventBridge.
     */
    public static com.fasterxml.jackson.databind.JsonNode events(String operation, String json) {
        endpoint();
        try {
            dev.relaymail.aws.AwsJsonClient client = dev.relaymail.aws.AwsJsonClient.fromEnvironment(
                            System.getenv(), dev.relaymail.aws.AwsJsonClient.Service.EVENTBRIDGE)
                    .orElseThrow();
            return dev.relaymail.json.JsonTrees.read(client.call(
                    operation,
                    json.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    1 << 20,
                    dev.relaymail.core.Deadline.in(Duration.ofSeconds(10))));
        } catch (dev.relaymail.aws.AwsJsonClient.CallFailed | IOException e) {
            throw new IllegalStateException(operation + " failed: " + e.getMessage(), e);
        }
    }

    /** A new, empty S3 bucket with a unique name. */
    public static String bucket(String purpose) {
        return createBucket(purpose + "-" + java.util.UUID.randomUUID());
    }

    /** Creates the bucket in the SDK's region, unless it is there already; returns its name. */
    public static String createBucket(String bucket) {
        S3Client s3 = s3();
        if (s3.listBuckets().buckets().stream().noneMatch(b -> b.name().equals(bucket))) {
            s3.createBucket(r -> r.bucket(bucket).createBucketConfiguration(c -> c.locationConstraint(region())));
        }
        return bucket;
    }

    /** The region the SDK uses: {@code AWS_REGION}, or the {@code aws.region} system property. */
    private static String region() {
        return Optional.ofNullable(System.getenv("AWS_REGION")).orElse(System.getProperty("aws.region"));
    }

    /** A new idempotency table as template.yaml creates it: key {@code id}, TTL on {@code expiresAt}. */
    public static String idempotencyTable() {
        String table = "idempotency-" + java.util.UUID.randomUUID();
        DynamoDbClient dynamo = dynamoDb();
        dynamo.createTable(r -> r.tableName(table)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(a -> a.attributeName("id").attributeType(ScalarAttributeType.S))
                .keySchema(k -> k.attributeName("id").keyType(KeyType.HASH)));
        dynamo.updateTimeToLive(r -> r.tableName(table)
                .timeToLiveSpecification(t -> t.attributeName("expiresAt").enabled(true)));
        return table;
    }

    /**
     * A moto_server of its own that, as AWS does, checks each request's signature against the keys made in it and
     * the caller's permissions, after letting the first {@code unchecked} requests through to make them.
     */
    public static Checking startChecking(int unchecked) {
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            URI uri = URI.create("http://127.0.0.1:" + free.getLocalPort());
            free.close();
            return new Checking(uri, start(uri, Map.of("INITIAL_NO_AUTH_ACTION_COUNT", Integer.toString(unchecked))));
        } catch (IOException e) {
            throw new IllegalStateException("no free port for moto_server", e);
        }
    }

    /** A moto_server that checks signatures and permissions; closing it stops it. */
    public record Checking(URI endpoint, Process process) implements AutoCloseable {
        @Override
        public void close() {
            process.destroy();
        }
    }

    private static void start(URI uri) {
        Process moto = start(uri, Map.of());
        Runtime.getRuntime().addShutdownHook(new Thread(moto::destroy));
    }

    private static Process start(URI uri, Map<String, String> env) {
        try {
            Path log = Files.createTempFile("moto-server", ".log");
            ProcessBuilder builder = new ProcessBuilder(
                            "moto_server", "-H", uri.getHost(), "-p", Integer.toString(uri.getPort()))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            builder.environment().putAll(env);
            Process moto = builder.start();
            Instant until = Instant.now().plus(Duration.ofSeconds(30));
            while (!listening(uri)) {
                if (!moto.isAlive() || Instant.now().isAfter(until)) {
                    moto.destroy();
                    throw new IllegalStateException("moto_server did not start on " + uri + "; see " + log);
                }
                Thread.sleep(100);
            }
            return moto;
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot start moto_server (is it installed? pip install 'moto[server]')", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting moto_server", e);
        }
    }

    private static boolean listening(URI uri) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
