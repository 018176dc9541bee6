package dev.relaymail.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.relaymail.aws.AwsClients;
import dev.relaymail.aws.AwsJsonClient;
import dev.relaymail.aws.SigV4;
import dev.relaymail.core.Deadline;
import dev.relaymail.testing.HttpWait;
import dev.relaymail.testing.Moto;
import dev.relaymail.testing.TestRelay;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.Credentials;

/**
 * The function's own signed {@code GetSecretValue}: against a moto_server that checks signatures, session tokens and
 * permissions as AWS does, with the temporary credentials of a role, as Lambda gives them; and against a scripted
 * HTTP server for the service's failures, throttling and silence.
 */
class SignedSecretReaderIT {
    private static final String REGION = "eu-central-1";
    private static final String SECRET = "{\"username\": \"relay-user\", \"password\": \"s3cret\"}";
    private static Moto.Checking moto;
    private static Credentials role;

    /** Made while moto lets requests through unchecked: a role allowed to read secrets, its credentials, a secret. */
    @BeforeAll
    static void aRoleAndASecret() {
        moto = Moto.startChecking(4);
        StaticCredentialsProvider setup = StaticCredentialsProvider.create(AwsBasicCredentials.create("setup", "x"));
        try (IamClient iam = IamClient.builder()
                        .endpointOverride(moto.endpoint())
                        .region(Region.AWS_GLOBAL)
                        .credentialsProvider(setup)
                        .httpClient(UrlConnectionHttpClient.create())
                        .build();
                StsClient sts = StsClient.builder()
                        .endpointOverride(moto.endpoint())
                        .region(Region.of(REGION))
                        .credentialsProvider(setup)
                        .httpClient(UrlConnectionHttpClient.create())
                        .build();
                SecretsManagerClient secrets = SecretsManagerClient.builder()
                        .endpointOverride(moto.endpoint())
                        .region(Region.of(REGION))
                        .credentialsProvider(setup)
                        .httpClient(UrlConnectionHttpClient.create())
                        .build()) {
            String arn = iam.createRole(r -> r.roleName("relaymail")
                            .assumeRolePolicyDocument("{\"Version\":"
                                    + "\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":"
                                    + "\"lambda.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}"))
                    .role()
                    .arn();
            iam.putRolePolicy(r -> r.roleName("relaymail")
                    .policyName("secret")
                    .policyDocument("{\"Version\":"
                            + "\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":"
                            + "\"secretsmanager:GetSecretValue\",\"Resource\":\"*\"}]}"));
            role = sts.assumeRole(r -> r.roleArn(arn).roleSessionName("lambda")).credentials();
            secrets.createSecret(r -> r.name("relaymail/smtp").secretString(SECRET));
        }
    }

    @AfterAll
    static void stop() {
        moto.close();
    }

    @Test
    void readsTheSecretWithARolesTemporaryCredentialsSignedAsAwsChecksThem() throws Exception {
        SecretReader.SecretValue value = checked(
                        new SigV4.Keys(role.accessKeyId(), role.secretAccessKey(), role.sessionToken()))
                .read("relaymail/smtp", soon());

        assertEquals(SECRET, value.secretString());
        assertFalse(value.versionId().isEmpty());
        assertFalse(value.toString().contains("s3cret"));
    }

    @Test
    void aWrongSecretKeyIsRefusedAsAwsRefusesAForgedSignature() {
        SecretReader.Unreadable e = assertThrows(
                SecretReader.Unreadable.class,
                () -> checked(new SigV4.Keys(role.accessKeyId(), role.secretAccessKey() + "x", role.sessionToken()))
                        .read("relaymail/smtp", soon()));

        assertTrue(e.getMessage().endsWith("answered HTTP 403 SignatureDoesNotMatch"), e.getMessage());
    }

    @Test
    void temporaryCredentialsWithoutTheirSessionTokenAreRefused() {
        SecretReader.Unreadable e = assertThrows(
                SecretReader.Unreadable.class,
                () -> checked(new SigV4.Keys(role.accessKeyId(), role.secretAccessKey(), null))
                        .read("relaymail/smtp", soon()));

        assertTrue(e.getMessage().contains("answered HTTP 403"), e.getMessage());
    }

    @Test
    void retriesAFailureAndThrottlingThenReadsTheSecret() throws Exception {
        try (Scripted service = new Scripted(List.of(
                new Reply(503, "{\"__type\":\"InternalServiceError\",\"message\":\"try again\"}"),
                new Reply(400, "{\"__type\":\"com.amazonaws.secretsmanager#ThrottlingException\"}"),
                new Reply(200, "{\"SecretString\":\"" + SECRET.replace("\"", "\\\"") + "\",\"VersionId\":\"v7\"}")))) {
            SecretReader.SecretValue value = service.reader().read("relaymail/smtp", soon());

            assertEquals(new SecretReader.SecretValue(SECRET, "v7"), value);
            assertEquals(3, service.requests.size());
            for (String request : service.requests) {
                assertTrue(request.startsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"), request);
            }
        }
    }

    @Test
    void givesUpAfterThreeAttempts() throws Exception {
        try (Scripted service = new Scripted(List.of(new Reply(500, "{\"__type\":\"InternalServiceError\"}")))) {
            SecretReader.Unreadable e = assertThrows(
                    SecretReader.Unreadable.class, () -> service.reader().read("relaymail/smtp", soon()));

            assertEquals(3, service.requests.size());
            assertTrue(e.getMessage().endsWith("answered HTTP 500 InternalServiceError (3 attempts)"), e.getMessage());
        }
    }

    @Test
    void aRefusalIsNotRetriedAndItsMessageIsNotRepeated() throws Exception {
        try (Scripted service = new Scripted(List.of(new Reply(
                400,
                "{\"__type\":\"com.amazonaws.secretsmanager#"
                        + "ResourceNotFoundException\",\"message\":\"no secret TOP-SECRET-NAME\"}")))) {
            SecretReader.Unreadable e = assertThrows(
                    SecretReader.Unreadable.class, () -> service.reader().read("relaymail/smtp", soon()));

            assertEquals(1, service.requests.size());
            assertTrue(e.getMessage().endsWith("answered HTTP 400 ResourceNotFoundException"), e.getMessage());
            assertFalse(e.getMessage().contains("TOP-SECRET-NAME"));
        }
    }

    @Test
    void sendsTheSecretIdAsJsonWhateverItHoldsAndReadsOnlyTheFieldsItNeeds() throws Exception {
        String id = "arn:aws:secretsmanager:eu-central-1:1:secret:a\"b\\c/ü\n";
        try (Scripted service = new Scripted(List.of(new Reply(
                200,
                "{\"ARN\":\"x\",\"SecretBinary\":\"AAE=\","
                        + "\"VersionStages\":[\"AWSCURRENT\"],\"CreatedDate\":1.7E9,\"VersionId\":\"v1\",\"Nested\":{\"SecretString\":"
                        + "\"not this one\"}}")))) {
            SecretReader.SecretValue value = service.reader().read(id, soon());

            assertEquals(
                    id,
                    new ObjectMapper()
                            .readTree(service.bodies.get(0))
                            .get("SecretId")
                            .textValue());
            assertEquals(new SecretReader.SecretValue(null, "v1"), value, "a binary secret has no string");
        }
    }

    /**
     * The wait the reader set is the time left (as its failure names it), not an attempt's 2 s: one attempt, no time
     * for a second. It waited until the deadline (no earlier, whatever the load) and gave up more than a second before
     * an attempt's timeout would have ended it.
     */
    @Test
    void aServiceThatDoesNotAnswerIsGivenUpAtTheDeadline() throws Exception {
        try (Scripted service = new Scripted(List.of(new Reply(0, "")))) {
            SignedSecretReader reader = service.reader();
            long start = System.nanoTime();
            SecretReader.Unreadable e = assertThrows(
                    SecretReader.Unreadable.class,
                    () -> reader.read("relaymail/smtp", Deadline.in(Duration.ofMillis(800))));
            long tookMillis = (System.nanoTime() - start) / 1_000_000;

            assertTrue(HttpWait.named(e.getMessage()) <= 800, e.getMessage());
            assertTrue(e.getMessage().endsWith("(1 attempt)"), e.getMessage());
            assertTrue(tookMillis >= 795, "gave up before the deadline: " + tookMillis + " ms");
            assertTrue(
                    tookMillis < AwsClients.ATTEMPT_TIMEOUT.toMillis(),
                    "gave up after " + tookMillis + " ms, not at the deadline (800 ms)");
        }
    }

    /** A certificate the JVM does not trust is refused again on any retry: one attempt, saying what to mend. */
    @Test
    void aCertificateTheJvmDoesNotTrustIsNotRetried() throws Exception {
        try (Listener service = new Listener(TestRelay.sslContext(TestRelay.Certificate.UNTRUSTED_CA)
                .getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress()))) {
            SecretReader.Unreadable e = assertThrows(
                    SecretReader.Unreadable.class, () -> service.reader().read("relaymail/smtp", soon()));

            assertEquals(1, service.connections.get());
            assertTrue(e.getMessage().contains("TLS handshake"), e.getMessage());
        }
    }

    /** A handshake cut off by the other side may pass on the next try: it is retried, as any lost connection. */
    @Test
    void aHandshakeCutOffIsRetried() throws Exception {
        try (Listener service = new Listener(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()))) {
            assertThrows(SecretReader.Unreadable.class, () -> service.reader().read("relaymail/smtp", soon()));

            assertEquals(3, service.connections.get());
        }
    }

    private static SignedSecretReader checked(SigV4.Keys keys) throws IOException {
        return new SignedSecretReader(new AwsJsonClient(
                AwsJsonClient.Service.SECRETS_MANAGER, moto.endpoint().toURL(), REGION, keys, Clock.systemUTC()));
    }

    private static Deadline soon() {
        return Deadline.in(Duration.ofSeconds(30));
    }

    /** A status and a body; status 0: no answer at all. */
    record Reply(int status, String body) {}

    /**
     * An https endpoint that never answers: it counts connections, and closes each after its TLS handshake (which
     * fails when the client refuses its certificate), or at once when it is a plain socket.
     */
    private static final class Listener implements AutoCloseable {
        final AtomicInteger connections = new AtomicInteger();
        private final ServerSocket server;

        Listener(ServerSocket server) {
            this.server = server;
            Thread accepting = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket socket = server.accept()) {
                        connections.incrementAndGet();
                        if (socket instanceof SSLSocket tls) {
                            tls.startHandshake();
                        }
                    } catch (IOException e) {
                        // the handshake failed, or the listener is closed
                    }
                }
            });
            accepting.setDaemon(true);
            accepting.start();
        }

        SignedSecretReader reader() throws IOException {
            URL url = new URL("https://127.0.0.1:" + server.getLocalPort() + "/");
            return new SignedSecretReader(new AwsJsonClient(
                    AwsJsonClient.Service.SECRETS_MANAGER,
                    url,
                    REGION,
                    new SigV4.Keys("AKIDEXAMPLE", "secret", null),
                    Clock.systemUTC()));
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    /** An HTTP server that answers with the replies in turn, the last one again and again, noting each request. */
    private static final class Scripted implements AutoCloseable {
        final List<String> requests = new CopyOnWriteArrayList<>();
        final List<String> bodies = new CopyOnWriteArrayList<>();
        private final HttpServer server;

        Scripted(List<Reply> replies) throws IOException {
            ConcurrentLinkedQueue<Reply> queue = new ConcurrentLinkedQueue<>(replies);
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/", exchange -> {
                bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                requests.add(exchange.getRequestHeaders().getFirst("Authorization"));
                Reply reply = queue.size() > 1 ? queue.poll() : queue.peek();
                if (reply.status() == 0) {
                    return; // keeps the connection open, says nothing
                }
                byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
                exchange.sendResponseHeaders(reply.status(), body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
            server.start();
        }

        SignedSecretReader reader() throws IOException {
            URL url = new URL("http://127.0.0.1:" + server.getAddress().getPort() + "/");
            return new SignedSecretReader(new AwsJsonClient(
                    AwsJsonClient.Service.SECRETS_MANAGER,
                    url,
                    REGION,
                    new SigV4.Keys("AKIDEXAMPLE", "secret", null),
                    Clock.systemUTC()));
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
