package dev.relaymail.secrets.oauth2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AccessTokenTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2026-11-26T08:00:00Z");

    private static AccessToken fromAnswer(String answer) throws Exception {
        return AccessToken.fromAnswer(JSON.readTree(answer), NOW);
    }

    @Test
    void readsMicrosoftsAnswer() throws Exception {
        AccessToken token = fromAnswer("{\"token_type\": \"Bearer\", \"expires_in\": 3599, \"ext_expires_in\": 3599, "
                + "\"access_token\": \"eyJ0eXAiOiJKV1Qi.eyJhdWQiOiJodHRw.c2lnbmF0dXJl\"}");
        assertEquals("eyJ0eXAiOiJKV1Qi.eyJhdWQiOiJodHRw.c2lnbmF0dXJl", token.value());
        assertEquals(NOW.plusSeconds(3599), token.expiresAt());
    }

    @Test
    void readsALifetimeGivenAsAString() throws Exception {
        assertEquals(
                NOW.plusSeconds(3600),
                fromAnswer("{\"access_token\": \"t\", \"expires_in\": \"3600\"}")
                        .expiresAt());
    }

    @Test
    void keepsATokenADayAtMostWhateverItsAnswerSays() throws Exception {
        assertEquals(
                NOW.plus(AccessToken.LONGEST),
                fromAnswer("{\"access_token\": \"t\", \"expires_in\": " + Long.MAX_VALUE + "}")
                        .expiresAt());
        assertEquals(
                NOW.plus(AccessToken.LONGEST),
                fromAnswer("{\"access_token\": \"t\", \"expires_in\": " + "\"999999999999\"}")
                        .expiresAt());
    }

    @Test
    void isUsedForNewConnectionsUntilAMinuteBeforeItExpires() throws Exception {
        AccessToken token = fromAnswer("{\"access_token\": \"t\", \"expires_in\": 3600}");
        assertTrue(token.usableAt(NOW));
        assertTrue(token.usableAt(NOW.plusSeconds(3539)));
        assertFalse(token.usableAt(NOW.plusSeconds(3540)));
    }

    @Test
    void aTokenWithoutALifetimeServesOnlyTheConnectionItWasFetchedFor() throws Exception {
        assertFalse(fromAnswer("{\"access_token\": \"t\"}").usableAt(NOW));
        assertFalse(fromAnswer("{\"access_token\": \"t\", \"expires_in\": 30}").usableAt(NOW));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{}",
                "[]",
                "{\"access_token\": 42}",
                "{\"access_token\": \"\"}",
                "{\"access_token\": \"a b\"}",
                "{\"access_token\": \"a\\r\\nMAIL FROM:<x>\"}",
                "{\"access_token\": \"a\\u0001auth\"}",
                "{\"access_token\": \"t\", \"token_type\": \"mac\"}",
                "{\"access_token\": \"t\", \"expires_in\": -5}",
                "{\"access_token\": \"t\", \"expires_in\": 1.5}",
                "{\"access_token\": \"t\", \"expires_in\": \"soon\"}"
            })
    void refusesAnAnswerWithoutAUsableBearerToken(String answer) throws Exception {
        JsonNode json = JSON.readTree(answer);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> AccessToken.fromAnswer(json, NOW));
        assertFalse(e.getMessage().contains("MAIL FROM"), e.getMessage());
    }

    @Test
    void neverShowsTheToken() throws Exception {
        assertFalse(
                fromAnswer("{\"access_token\": \"SECRET-TOKEN\"}").toString().contains("SECRET-TOKEN"));
    }
}
