package dev.relaymail.secrets.oauth2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relaymail.testing.ServiceAccountKey;
import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TokenGrantTest {
    private static final URI GOOGLE = URI.create("https://oauth2.googleapis.com/token");
    private static final ServiceAccountKey ACCOUNT = ServiceAccountKey.generate();

    /** The grant of the account's key file, read as the secret's {@code private_key} is read. */
    private static TokenGrant grant(ServiceAccountKey account) {
        return new TokenGrant.ServiceAccount(
                ServiceAccountKey.EMAIL,
                PemKeys.rsaPrivateKey(account.privateKeyPem()).orElseThrow(),
                Optional.of(ServiceAccountKey.KEY_ID));
    }

    @Test
    void aServiceAccountSignsAnAssertionForTheMailboxThatGooglesChecksAccept() throws Exception {
        OAuth2Client settings = new OAuth2Client(
                "billing@contoso.example", GOOGLE, grant(ACCOUNT), Optional.of("https://mail.google.com/"));
        Instant now = Instant.now();

        Map<String, String> form = settings.grant().form(settings, now);

        assertEquals("urn:ietf:params:oauth:grant-type:jwt-bearer", form.get("grant_type"));
        assertEquals(2, form.size(), "no client secret, no scope outside the assertion: " + form.keySet());
        JsonNode claims = ACCOUNT.verify(form.get("assertion"), GOOGLE, now.getEpochSecond());
        assertEquals("billing@contoso.example", claims.get("sub").asText(), "the mailbox, by domain-wide delegation");
        assertEquals("https://mail.google.com/", claims.get("scope").asText());
        assertEquals(300, claims.get("exp").asLong() - claims.get("iat").asLong(), "five minutes");
    }

    @Test
    void anAssertionSignedByAnotherKeyIsNotAccepted() throws Exception {
        OAuth2Client settings = new OAuth2Client(
                "b@contoso.example",
                GOOGLE,
                grant(ServiceAccountKey.generate()),
                Optional.of("https://mail.google.com/"));
        String assertion = settings.grant().form(settings, Instant.now()).get("assertion");

        assertThrows(
                IllegalArgumentException.class,
                () -> ACCOUNT.verify(assertion, GOOGLE, Instant.now().getEpochSecond()));
    }

    @Test
    void theClientCredentialsFormCarriesTheScopeOnlyWhenThereIsOne() {
        TokenGrant grant = TokenGrant.Client.credentials("id", "s&=cret");
        OAuth2Client with = new OAuth2Client("u", GOOGLE, grant, Optional.of("smtp"));
        OAuth2Client without = new OAuth2Client("u", GOOGLE, grant, Optional.empty());

        assertEquals(
                Map.of(
                        "grant_type",
                        "client_credentials",
                        "client_id",
                        "id",
                        "client_secret",
                        "s&=cret",
                        "scope",
                        "smtp"),
                grant.form(with, Instant.now()));
        assertFalse(grant.form(without, Instant.now()).containsKey("scope"));
        assertFalse(grant.toString().contains("s&=cret"));
    }

    @Test
    void theRefreshTokenFormCarriesTheClientSecretAndTheScopeOnlyWhenThereAreAny() {
        TokenGrant confidential = TokenGrant.Client.refresh("id", Optional.of("s&=cret"), "1//refresh=");
        TokenGrant publicClient = TokenGrant.Client.refresh("id", Optional.empty(), "1//refresh=");
        OAuth2Client with = new OAuth2Client("u", GOOGLE, confidential, Optional.of("smtp offline_access"));
        OAuth2Client without = new OAuth2Client("u", GOOGLE, publicClient, Optional.empty());

        assertEquals(
                Map.of(
                        "grant_type",
                        "refresh_token",
                        "client_id",
                        "id",
                        "client_secret",
                        "s&=cret",
                        "refresh_token",
                        "1//refresh=",
                        "scope",
                        "smtp offline_access"),
                confidential.form(with, Instant.now()));
        assertEquals(
                Map.of("grant_type", "refresh_token", "client_id", "id", "refresh_token", "1//refresh="),
                publicClient.form(without, Instant.now()));
        assertFalse(
                confidential.toString().contains("s&=cret")
                        || confidential.toString().contains("refresh="),
                confidential.toString());
    }
}
