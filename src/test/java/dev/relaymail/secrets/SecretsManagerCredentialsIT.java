package dev.relaymail.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relaymail.core.Deadline;
import dev.relaymail.core.RelayException;
import dev.relaymail.relay.RelaySettings;
import dev.relaymail.relay.SmtpRelay;
import dev.relaymail.testing.Moto;
import dev.relaymail.testing.OAuth2Secrets;
import dev.relaymail.testing.TestMessages;
import dev.relaymail.testing.TestRelay;
import dev.relaymail.testing.TestTokenEndpoint;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Credentials from moto_server's Secrets Manager, pointed there by AWS_ENDPOINT_URL, read both ways: with the
 * function's own signed request, and with the real SDK.
 */
class SecretsManagerCredentialsIT {
    private final SecretsManagerClient secrets = Moto.secretsManager();

    /** The two ways of reading the secret. */
    enum Reader {
        SIGNED,
        SDK;

        SecretsManagerCredentials credentials(String secretId) {
            SecretReader reader = this == SIGNED
                    ? SignedSecretReader.fromEnvironment(System.getenv()).orElseThrow()
                    : new SdkSecretReader(Moto::secretsManager);
            return new SecretsManagerCredentials(reader, secretId);
        }
    }

    /** An invocation's deadline with time to spare. */
    private static Deadline soon() {
        return Deadline.in(Duration.ofSeconds(30));
    }

    private String createSecret(String value) {
        String name = "relaymail/it/" + UUID.randomUUID();
        secrets.createSecret(r -> r.name(name).secretString(value));
        return name;
    }

    @ParameterizedTest
    @EnumSource(Reader.class)
    void readsUsernameAndPasswordOnceAndCachesThem(Reader reader) throws Exception {
        String id = createSecret("{\"username\": \"relay-user\", \"password\": \"s3cret\"}");
        SecretsManagerCredentials credentials = reader.credentials(id);

        assertEquals(new Credentials("relay-user", "s3cret"), credentials.current(soon()));
        secrets.putSecretValue(r -> r.secretId(id).secretString("{\"username\": \"u2\", \"password\": \"p2\"}"));
        assertEquals("relay-user", credentials.current(soon()).username(), "cached, not read again");
        assertEquals("u2", credentials.refresh(soon()).username());
    }

    @ParameterizedTest
    @EnumSource(Reader.class)
    void aMissingSecretIsATransientCredentialsFailure(Reader reader) {
        SecretsManagerCredentials credentials = reader.credentials("relaymail/it/does-not-exist");
        RelayException e = assertThrows(RelayException.class, () -> credentials.current(soon()));
        assertEquals(RelayException.Kind.CREDENTIALS, e.kind());
        assertTrue(e.retryable());
    }

    @ParameterizedTest
    @EnumSource(Reader.class)
    void aMalformedSecretIsRefusedWithoutShowingIt(Reader reader) {
        String id = createSecret("{\"user\": \"relay-user\", \"pass\": \"TOP-SECRET-VALUE\"}");
        RelayException e =
                assertThrows(RelayException.class, () -> reader.credentials(id).current(soon()));
        assertEquals(RelayException.Kind.CREDENTIALS, e.kind());
        assertFalse(e.getMessage().contains("TOP-SECRET-VALUE"));
    }

    @Test
    void aRotatedSecretIsReadAgainAfter535AndTheMessageIsSent() throws Exception {
        try (TestRelay server = TestRelay.start()) {
            String id = createSecret("{\"username\": \"relay-user\", \"password\": \"" + server.password() + "\"}");
            SecretsManagerCredentials credentials = Reader.SIGNED.credentials(id);
            credentials.current(soon());
            // rotation: the relay and the secret get a new password; the container still holds the old one
            server.acceptOnly("rotated-password");
            secrets.putSecretValue(r ->
                    r.secretId(id).secretString("{\"username\": \"relay-user\", \"password\": \"rotated-password\"}"));

            try (SmtpRelay relay = new SmtpRelay(
                    new RelaySettings(
                            "localhost", server.port(), RelaySettings.TlsMode.STARTTLS, 2000, 2000, "example.com", 1),
                    credentials)) {
                relay.send(TestMessages.simple("rotated", "ann@example.org"), Deadline.in(Duration.ofSeconds(20)));
            }

            assertEquals(2, server.authAttempts(), "535 with the cached password, then success");
            assertEquals(1, server.received().size());
        }
    }

    @Test
    void anOAuth2SecretGivesATokenThatIsKeptUntilAMinuteBeforeItExpires() throws Exception {
        try (TestTokenEndpoint endpoint = TestTokenEndpoint.start().expiresIn(3600)) {
            String id = createSecret(OAuth2Secrets.clientCredentials(
                            "mailer@contoso.example", endpoint.uri().toString(), "c", "s")
                    .toString());
            MovableClock clock = new MovableClock();
            SecretsManagerCredentials credentials =
                    new SecretsManagerCredentials(new SdkSecretReader(() -> secrets), id, clock);

            Credentials first = credentials.current(soon());
            assertEquals(
                    new Credentials("mailer@contoso.example", endpoint.issued().get(0), Credentials.Kind.OAUTH2_TOKEN),
                    first);
            clock.now = clock.now.plusSeconds(3539);
            assertEquals(first, credentials.current(soon()), "still usable");
            clock.now = clock.now.plusSeconds(1);
            String second = credentials.current(soon()).password();
            assertEquals(endpoint.issued().get(1), second, "a minute before expiry: a new one");
            String third = credentials.refresh(soon()).password();
            assertEquals(endpoint.issued().get(2), third, "rejected: a new one");
            assertEquals(3, endpoint.requests().size());
            assertFalse(endpoint.requests().get(0).form().containsKey("scope"), "no scope when none is set");

            credentials.forget();
            credentials.current(soon());
            assertEquals(4, endpoint.requests().size(), "nothing kept for a snapshot");
        }
    }

    /** A clock the test moves by hand. */
    private static final class MovableClock extends Clock {
        private volatile Instant now = Instant.parse("2026-11-26T08:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
