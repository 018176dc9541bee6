package dev.relaymail.secrets.oauth2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relaymail.core.Deadline;
import dev.relaymail.core.RelayException;
import dev.relaymail.testing.HttpWait;
import dev.relaymail.testing.TestRelay.Certificate;
import dev.relaymail.testing.TestTokenEndpoint;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The token request against real endpoints in the test process: https with the test CA, which this JVM trusts the way
 * an operator adds a private CA ({@code javax.net.ssl.trustStore}, as for the relay), certificates it must refuse,
 * redirects, and an answer that trickles in.
 */
class TokenEndpointIT {
    private static final Duration TIME_TO_SPARE = Duration.ofSeconds(30);

    private static AccessToken request(TestTokenEndpoint endpoint, Duration timeLeft) throws RelayException {
        OAuth2Client client = new OAuth2Client(
                "mailer@contoso.example",
                endpoint.uri(),
                TokenGrant.Client.credentials("client-id", "cl1ent-S3CRET"),
                Optional.empty());
        return new TokenEndpoint(Clock.systemUTC()).request(client, Deadline.in(timeLeft));
    }

    private static TestTokenEndpoint start(String scheme) {
        return scheme.equals("https") ? TestTokenEndpoint.https(Certificate.TRUSTED) : TestTokenEndpoint.start();
    }

    @Test
    void anHttpsEndpointWithACertificateOfTheTrustedCaIssuesTheToken() throws Exception {
        try (TestTokenEndpoint endpoint = TestTokenEndpoint.https(Certificate.TRUSTED)) {
            AccessToken token = request(endpoint, TIME_TO_SPARE);

            assertEquals("https", endpoint.uri().getScheme());
            assertEquals(List.of(token.value()), endpoint.issued());
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = Certificate.class,
            names = {"UNTRUSTED_CA", "WRONG_HOST", "EXPIRED"})
    void anHttpsEndpointWithACertificateThatIsNotTrustedGetsNoRequest(Certificate certificate) {
        try (TestTokenEndpoint endpoint = TestTokenEndpoint.https(certificate)) {
            RelayException e = assertThrows(RelayException.class, () -> request(endpoint, TIME_TO_SPARE));

            assertEquals(RelayException.Kind.CREDENTIALS, e.kind(), e.getMessage());
            assertTrue(
                    e.getMessage().startsWith("the TLS handshake with the OAuth2 token endpoint 127.0.0.1 failed")
                            && e.getMessage().contains("certificate"),
                    e.getMessage());
            assertEquals(List.of(), endpoint.requests(), "the client secret never went out");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {301, 302, 303, 307, 308})
    void aRedirectIsNotFollowedAndGivesNoToken(int status) {
        try (TestTokenEndpoint elsewhere = TestTokenEndpoint.https(Certificate.TRUSTED);
                TestTokenEndpoint endpoint =
                        TestTokenEndpoint.https(Certificate.TRUSTED).redirect(status, elsewhere.uri())) {
            RelayException e = assertThrows(RelayException.class, () -> request(endpoint, TIME_TO_SPARE));

            assertEquals(RelayException.Kind.CREDENTIALS, e.kind(), e.getMessage());
            assertTrue(e.getMessage().endsWith("answered HTTP " + status), e.getMessage());
            assertEquals(1, endpoint.requests().size());
            assertEquals(List.of(), elsewhere.requests(), "the credentials go to the configured endpoint only");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"http", "https"})
    void anAnswerThatTricklesInWithinTheReadTimeoutIsStillCutOffAtTheDeadline(String scheme) {
        try (TestTokenEndpoint endpoint = start(scheme).drip(Duration.ofMillis(100))) {
            long start = System.nanoTime();

            RelayException e = assertThrows(RelayException.class, () -> request(endpoint, Duration.ofMillis(1000)));

            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(RelayException.Kind.CREDENTIALS, e.kind(), e.getMessage());
            assertTrue(HttpWait.named(e.getMessage()) <= 1000, "the wait is the time left: " + e.getMessage());
            assertTrue(
                    elapsedMillis < 3000,
                    "a byte every 100 ms, each well within the read timeout, of an answer "
                            + "that takes 10 s; it gave up after " + elapsedMillis + " ms, with a deadline in 1000 ms");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"http", "https"})
    void anAnswerThatStopsInTheMiddleJustBeforeTheDeadlineIsGivenUpAtTheDeadline(String scheme) {
        try (TestTokenEndpoint endpoint = start(scheme).dripThenStop(Duration.ofMillis(100), 28)) {
            long start = System.nanoTime();

            RelayException e = assertThrows(RelayException.class, () -> request(endpoint, Duration.ofMillis(3000)));

            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(HttpWait.named(e.getMessage()) <= 3000, "the wait is the time left: " + e.getMessage());
            assertTrue(
                    elapsedMillis < 4500,
                    "28 bytes in 2.8 s, then nothing: the read waiting for the next one times "
                            + "out only a read timeout (3 s) after it began; it gave up after " + elapsedMillis
                            + " ms, with "
                            + "a deadline in 3000 ms");
        }
    }

    @Test
    void anAnswerOverTheLimitIsRefusedAsSuch() {
        String huge = "{\"access_token\": \"" + "x".repeat(70_000) + "\", \"token_type\": \"Bearer\"}";
        try (TestTokenEndpoint endpoint = TestTokenEndpoint.start().answer(200, huge)) {
            RelayException e = assertThrows(RelayException.class, () -> request(endpoint, TIME_TO_SPARE));

            assertEquals(RelayException.Kind.CREDENTIALS, e.kind(), e.getMessage());
            assertTrue(e.getMessage().endsWith("answered with more than 65536 bytes"), e.getMessage());
        }
    }
}
