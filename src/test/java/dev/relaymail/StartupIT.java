package dev.relaymail;

import static dev.relaymail.testing.Harness.message;
import static dev.relaymail.testing.Harness.restEvent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relaymail.config.Config;
import dev.relaymail.core.Deadline;
import dev.relaymail.core.RelayException;
import dev.relaymail.relay.SmtpRelay;
import dev.relaymail.secrets.Credentials;
import dev.relaymail.secrets.CredentialsSource;
import dev.relaymail.secrets.SecretsManagerCredentials;
import dev.relaymail.testing.Await;
import dev.relaymail.testing.Harness;
import dev.relaymail.testing.TestRelay;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What a container does at start and around a SnapStart snapshot, against real peers. */
class StartupIT {
    /** Held strongly: the log manager forgets a logger's handlers once the logger is collected. */
    private final Logger secretsLog = Logger.getLogger(SecretsManagerCredentials.class.getName());

    private final List<LogRecord> secretReads = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getMessage().startsWith("read SMTP credentials")) {
                secretReads.add(record);
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeEach
    void watchSecretReads() {
        secretsLog.addHandler(capture);
    }

    @AfterEach
    void stopWatching() {
        secretsLog.removeHandler(capture);
    }

    static JsonNode invoke(MailHandler handler, JsonNode event) {
        return Harness.invoke(handler, event.toString().getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(30));
    }

    @Test
    void primingSendsNothingAndReadsNoSecret() {
        try (Harness h = new Harness()) {
            h.components().startup().prime();
            assertEquals(0, h.relay.connections());
            assertEquals(List.of(), secretReads);
        }
    }

    @Test
    void warmingUpOpensTheConnectionTheFirstMessageUses() {
        try (Harness h = new Harness()) {
            Components container = h.components();
            SecretsManagerCredentials secret =
                    SecretsManagerCredentials.create(h.env.get("SMTP_SECRET_ID"), System.getenv());
            container.startup().warmUp(Startup.Early.none());
            assertEquals(0, h.relay.connections(), "without early work nothing connects (SnapStart)");

            Config config = Config.fromEnvironment(h.env);
            SmtpRelay relay = new SmtpRelay(config.relay(), secret);
            Components warm = Components.production(config, relay, secret);
            warm.startup().warmUp(Startup.Early.start(secret, relay));
            assertEquals(1, h.relay.connections());
            assertEquals(1, h.relay.authAttempts());

            assertEquals(
                    202,
                    invoke(new MailHandler(warm), restEvent(message("ann@example.org", "x")))
                            .get("statusCode")
                            .asInt());
            assertEquals(1, h.relay.connections(), "the first message used the connection opened at start");
            assertEquals(1, secretReads.size());
        }
    }

    @Test
    void theFirstConnectionOpensWhileTheSecretIsStillBeingRead() throws Exception {
        try (Harness h = new Harness()) {
            SecretsManagerCredentials secret =
                    SecretsManagerCredentials.create(h.env.get("SMTP_SECRET_ID"), System.getenv());
            CountDownLatch readable = new CountDownLatch(1);
            CredentialsSource slowSecret = new CredentialsSource() {
                @Override
                public Credentials current(Deadline deadline) throws RelayException {
                    try {
                        readable.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return secret.current(deadline);
                }

                @Override
                public Credentials refresh(Deadline deadline) throws RelayException {
                    return secret.refresh(deadline);
                }
            };
            Config config = Config.fromEnvironment(h.env);
            SmtpRelay relay = new SmtpRelay(config.relay(), slowSecret);
            Components container = Components.production(config, relay, slowSecret);
            CompletableFuture<Void> warmingUp = CompletableFuture.runAsync(
                    () -> container.startup().warmUp(Startup.Early.start(slowSecret, relay)));

            Await.until("the TLS handshake", () -> h.relay.tlsHandshakes() > 0);
            assertEquals(1, h.relay.tlsHandshakes(), "the TLS handshake is done before the secret is there");
            readable.countDown();
            warmingUp.get(Await.BOUND.toSeconds(), TimeUnit.SECONDS);
            Await.until("the login", () -> h.relay.authAttempts() > 0);

            assertEquals(1, h.relay.authAttempts(), "it logs in on that connection once the secret is read");
            assertEquals(
                    202,
                    invoke(new MailHandler(container), restEvent(message("ann@example.org", "x")))
                            .get("statusCode")
                            .asInt());
            assertEquals(1, h.relay.connections());
        }
    }

    @Test
    void aRelayThatIsDownAtStartIsNotAnErrorYet() {
        try (Harness h = new Harness()) {
            h.relay.close();
            SecretsManagerCredentials secret =
                    SecretsManagerCredentials.create(h.env.get("SMTP_SECRET_ID"), System.getenv());
            Config config = Config.fromEnvironment(h.env);
            SmtpRelay relay = new SmtpRelay(config.relay(), secret);
            Components container = Components.production(config, relay, secret);
            long start = System.nanoTime();
            container.startup().warmUp(Startup.Early.start(secret, relay));
            assertTrue(System.nanoTime() - start < Startup.PREPARE_TIMEOUT.toNanos() + 2_000_000_000L);

            assertEquals(
                    503,
                    invoke(new MailHandler(container), restEvent(message("ann@example.org", "x")))
                            .get("statusCode")
                            .asInt());
        }
    }

    @Test
    void aSnapshotHoldsNoConnectionNorSecretAndRestoredIdsStayUnique() throws Exception {
        try (Harness h = new Harness()) {
            Components container = h.components();
            MailHandler handler = new MailHandler(container);
            JsonNode first = invoke(handler, restEvent(message("ann@example.org", "one")));

            container.startup().beforeCheckpoint(null);
            container.startup().afterRestore(null);
            Await.until("the login after the restore", () -> h.relay.authAttempts() >= 2);
            assertEquals(2, h.relay.authAttempts(), "the restore logs in again ahead of the first message");
            JsonNode second = invoke(handler, restEvent(message("ann@example.org", "two")));

            assertEquals(
                    2,
                    h.relay.connections(),
                    "closed before the snapshot; the first message after the restore used the one the restore opened");
            assertEquals(2, secretReads.size(), "the credentials were forgotten and read again after the restore");
            assertNotEquals(
                    Harness.JSON.readTree(first.get("body").asText()).get("messageId"),
                    Harness.JSON.readTree(second.get("body").asText()).get("messageId"));
        }
    }

    @Test
    void warmInvocationsReadTheSecretOnceAndKeepTheConnection() {
        try (Harness h = new Harness(TestRelay.start())) {
            MailHandler handler = h.newContainer();
            for (int i = 0; i < 3; i++) {
                assertEquals(
                        202,
                        invoke(handler, restEvent(message("ann@example.org", "m" + i)))
                                .get("statusCode")
                                .asInt());
            }
            assertEquals(1, secretReads.size(), "no GetSecretValue on warm invocations");
            assertEquals(1, h.relay.connections(), "the relay connection is kept across warm invocations");
        }
    }
}
