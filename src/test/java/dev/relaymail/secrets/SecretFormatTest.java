package dev.relaymail.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relaymail.core.RelayException;
import dev.relaymail.secrets.oauth2.OAuth2Client;
import dev.relaymail.secrets.oauth2.TokenGrant;
import dev.relaymail.testing.OAuth2Secrets;
import dev.relaymail.testing.ServiceAccountKey;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SecretFormatTest {
    private static final String SECRET = "TOP-SECRET-VALUE";

    private static ObjectNode oauth2(String tokenEndpoint) {
        return OAuth2Secrets.clientCredentials("mailer@contoso.example", tokenEndpoint, "client-1", SECRET);
    }

    private static RelayException refused(String secretString) {
        RelayException e = assertThrows(RelayException.class, () -> SecretFormat.parse(secretString));
        assertEquals(RelayException.Kind.CREDENTIALS, e.kind());
        assertFalse(e.getMessage().contains(SECRET), e.getMessage());
        return e;
    }

    @Test
    void readsAPasswordSecretIgnoringOtherFields() throws Exception {
        SmtpSecret secret = SecretFormat.parse("{\"username\": \"u\", \"password\": \"p\", \"engine\": \"smtp\", "
                + "\"rotation\": {\"steps\": [1, {\"password\": \"old\"}], \"at\": null}, \"port\": 587}");
        assertEquals(new SmtpSecret.Password(new Credentials("u", "p")), secret);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"username\": \"u\", \"password\": \"p\"} {}",
                "{\"username\": \"u\", \"password\": \"p\"",
                "{\"username\": \"u\", \"password\": \"p\"} x",
                "\"u:p\"",
                "",
                "{\"username\": \"u\", \"password\": \"p\", \"password\": \"q\"}"
            })
    void refusesASecretThatIsNotExactlyOneJsonObjectWithEachFieldOnce(String secretString) {
        assertTrue(refused(secretString).getMessage().contains("is not one JSON object with each field named once"));
    }

    @Test
    void readsOAuth2ClientSettingsWithAndWithoutScope() throws Exception {
        String endpoint = "https://login.microsoftonline.com/tenant/oauth2/v2.0/token";
        SmtpSecret withScope = SecretFormat.parse(oauth2(endpoint)
                .put("scope", "https://outlook.office365.com/.default")
                .toString());
        assertEquals(
                new SmtpSecret.OAuth2(new OAuth2Client(
                        "mailer@contoso.example",
                        URI.create(endpoint),
                        TokenGrant.Client.credentials("client-1", SECRET),
                        Optional.of("https://outlook.office365.com/.default"))),
                withScope);
        SmtpSecret without = SecretFormat.parse(oauth2(endpoint).toString());
        assertEquals(Optional.empty(), ((SmtpSecret.OAuth2) without).client().scope());
    }

    /** A refresh token: for a confidential client (Google's installed apps) and a public one (no client secret). */
    @Test
    void readsARefreshTokenSecretWithAndWithoutAClientSecret() throws Exception {
        String endpoint = "https://oauth2.googleapis.com/token";
        SmtpSecret confidential = SecretFormat.parse(
                oauth2(endpoint).put("refreshToken", "1//refresh").toString());
        assertEquals(
                new SmtpSecret.OAuth2(new OAuth2Client(
                        "mailer@contoso.example",
                        URI.create(endpoint),
                        TokenGrant.Client.refresh("client-1", Optional.of(SECRET), "1//refresh"),
                        Optional.empty())),
                confidential);
        assertEquals("OAuth2 refresh token", confidential.form());

        ObjectNode publicClient = oauth2(endpoint)
                .put("refreshToken", "1//refresh")
                .put("scope", "https://outlook.office.com/SMTP.Send offline_access");
        publicClient.remove("clientSecret");
        assertEquals(
                TokenGrant.Client.refresh("client-1", Optional.empty(), "1//refresh"),
                ((SmtpSecret.OAuth2) SecretFormat.parse(publicClient.toString()))
                        .client()
                        .grant());
    }

    @Test
    void refusesARefreshTokenSecretItCannotUseNamingTheFieldNotTheValue() {
        String blank = oauth2("https://oauth2.googleapis.com/token")
                .put("refreshToken", " ")
                .toString();
        assertTrue(
                refused(blank).getMessage().endsWith("no valid refreshToken"),
                refused(blank).getMessage());
        String emptySecret = oauth2("https://oauth2.googleapis.com/token")
                .put("refreshToken", "1//refresh")
                .put("clientSecret", "")
                .toString();
        assertTrue(refused(emptySecret).getMessage().endsWith("no valid clientSecret"));
        String noClient = "{\"username\": \"u\", \"tokenEndpoint\": \"https://oauth2.googleapis.com/token\", "
                + "\"refreshToken\": \"" + SECRET + "\"}";
        assertTrue(refused(noClient).getMessage().endsWith("no valid clientId"));
        assertFalse(refused(noClient).getMessage().contains(SECRET));
        String withPassword = oauth2("https://oauth2.googleapis.com/token")
                .put("refreshToken", "1//refresh")
                .put("password", "p")
                .toString();
        assertTrue(refused(withPassword).getMessage().contains("both a password and OAuth2 fields"));
        ObjectNode withAccount = googleSecret(URI.create("https://oauth2.googleapis.com/token"));
        refusedNamingNoKey(
                withAccount.put("refreshToken", "1//refresh").toString(),
                "both OAuth2 client fields and a serviceAccount");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "not json",
                "[]",
                "{}",
                "{\"username\": \"\", \"password\": \"p\"}",
                "{\"username\": \"u\"}",
                "{\"user\": \"u\", \"pass\": \"TOP-SECRET-VALUE\"}",
                "{\"username\": \"u\", \"password\": 42}",
                "{\"username\": [\"u\"], \"password\": \"p\"}",
                "{\"username\": \"u\", \"password\": {\"value\": \"p\"}}"
            })
    void refusesASecretOfNeitherForm(String secretString) {
        assertTrue(refused(secretString).getMessage().contains("\"tokenEndpoint\""), "names both forms");
    }

    @Test
    void refusesAUsernameWithControlCharactersAndAPasswordWithNul() {
        assertTrue(refused("{\"username\": \"u\\u0001auth=Bearer x\", \"password\": \"p\"}")
                .getMessage()
                .contains("username with a control character"));
        assertTrue(refused("{\"username\": \"u\", \"password\": \"a\\u0000b\"}")
                .getMessage()
                .contains("password with a NUL character"));
    }

    @Test
    void refusesAPasswordTogetherWithOAuth2Fields() {
        String both =
                oauth2("https://login.example/token").put("password", SECRET).toString();
        assertTrue(refused(both).getMessage().contains("both a password and OAuth2 fields"));
    }

    @Test
    void namesTheMissingOAuth2FieldsNotTheValues() {
        String partial = "{\"username\": \"u\", \"clientId\": \"c\", \"clientSecret\": \"" + SECRET + "\"}";
        assertTrue(refused(partial).getMessage().contains("no valid tokenEndpoint"));
        String emptySecret =
                oauth2("https://login.example/token").put("clientSecret", "").toString();
        assertTrue(refused(emptySecret).getMessage().contains("no valid clientSecret"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "http://login.example/token",
                "http://127.0.0.1.example/token",
                "http://10.0.0.1/token",
                "ftp://127.0.0.1/token",
                "/relative/token",
                "https:///no-host",
                "not a url"
            })
    void refusesATokenEndpointThatIsNotHttpsUnlessOnLoopback(String endpoint) {
        assertTrue(refused(oauth2(endpoint).toString()).getMessage().contains("tokenEndpoint"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "https://login.example/token",
                "HTTPS://login.example:8443/t?x=1",
                "http://127.0.0.1:8080/token",
                "http://localhost/token",
                "http://[::1]:9000/token"
            })
    void acceptsHttpsAndHttpOnLoopback(String endpoint) throws Exception {
        assertEquals(
                URI.create(endpoint),
                ((SmtpSecret.OAuth2) SecretFormat.parse(oauth2(endpoint).toString()))
                        .client()
                        .tokenEndpoint());
    }

    @Test
    void neitherClientSecretNorPasswordAppearsInToString() {
        OAuth2Client client = new OAuth2Client(
                "u",
                URI.create("https://login.example/token"),
                TokenGrant.Client.credentials("c", SECRET),
                Optional.empty());
        assertFalse(client.toString().contains(SECRET));
        assertFalse(new Credentials("u", SECRET, Credentials.Kind.OAUTH2_TOKEN)
                .toString()
                .contains(SECRET));
    }

    private static final ServiceAccountKey ACCOUNT = ServiceAccountKey.generate();

    private static ObjectNode googleSecret(URI tokenUri) {
        return OAuth2Secrets.serviceAccount("billing@contoso.example", ACCOUNT, tokenUri);
    }

    /** A secret whose key file has {@code field} changed by {@code change}. */
    private static String googleSecretWith(java.util.function.Consumer<ObjectNode> change) {
        ObjectNode secret = googleSecret(URI.create("https://oauth2.googleapis.com/token"));
        change.accept((ObjectNode) secret.get("serviceAccount"));
        return secret.toString();
    }

    private static String keyBody() {
        return ACCOUNT.privateKeyPem().split("\n")[2];
    }

    private static void refusedNamingNoKey(String secretString, String detail) {
        RelayException e = assertThrows(RelayException.class, () -> SecretFormat.parse(secretString));
        assertEquals(RelayException.Kind.CREDENTIALS, e.kind());
        assertTrue(e.getMessage().contains(detail), e.getMessage());
        assertFalse(e.getMessage().contains(keyBody()), e.getMessage());
    }

    @Test
    void readsAGoogleServiceAccountKeyFileWithGmailsScopeByDefault() throws Exception {
        URI tokenUri = URI.create("https://oauth2.googleapis.com/token");
        OAuth2Client client =
                ((SmtpSecret.OAuth2) SecretFormat.parse(googleSecret(tokenUri).toString())).client();

        assertEquals("billing@contoso.example", client.username());
        assertEquals(tokenUri, client.tokenEndpoint());
        assertEquals(Optional.of("https://mail.google.com/"), client.scope());
        TokenGrant.ServiceAccount grant = (TokenGrant.ServiceAccount) client.grant();
        assertEquals(ServiceAccountKey.EMAIL, grant.email());
        assertEquals(Optional.of(ServiceAccountKey.KEY_ID), grant.keyId());
        assertFalse(client.toString().contains(keyBody()), client.toString());
    }

    @Test
    void aServiceAccountWithoutTokenUriGoesToGooglesEndpointAndMayNameItsScope() throws Exception {
        ObjectNode secret = googleSecret(URI.create("https://unused.example/token"));
        ((ObjectNode) secret.get("serviceAccount")).remove(List.of("token_uri", "private_key_id"));
        secret.put("scope", "https://www.googleapis.com/auth/gmail.send https://mail.google.com/");
        OAuth2Client client = ((SmtpSecret.OAuth2) SecretFormat.parse(secret.toString())).client();

        assertEquals(URI.create("https://oauth2.googleapis.com/token"), client.tokenEndpoint());
        assertEquals(
                Optional.of("https://www.googleapis.com/auth/gmail.send https://mail.google.com/"), client.scope());
        assertEquals(Optional.empty(), ((TokenGrant.ServiceAccount) client.grant()).keyId());
        secret.put("scope", " ");
        assertEquals(
                Optional.of("https://mail.google.com/"),
                ((SmtpSecret.OAuth2) SecretFormat.parse(secret.toString()))
                        .client()
                        .scope(),
                "a blank scope");
    }

    @Test
    void refusesAServiceAccountKeyFileItCannotUseNamingTheFieldNotTheKey() {
        refusedNamingNoKey(googleSecretWith(k -> k.remove("client_email")), "no valid serviceAccount.client_email");
        refusedNamingNoKey(googleSecretWith(k -> k.put("private_key", "")), "serviceAccount.private_key");
        refusedNamingNoKey(
                googleSecretWith(
                        k -> k.put("private_key", ACCOUNT.privateKeyPem().replace("MII", "MIX"))),
                "serviceAccount.private_key that is not an RSA private key in PKCS #8 PEM");
        refusedNamingNoKey(
                googleSecretWith(
                        k -> k.put("private_key", ACCOUNT.privateKeyPem().replace("PRIVATE KEY", "RSA PRIVATE KEY"))),
                "PKCS #8 PEM");
        refusedNamingNoKey(googleSecretWith(k -> k.put("type", "authorized_user")), "type is not service_account");
        refusedNamingNoKey(
                googleSecretWith(k -> k.put("token_uri", "http://oauth2.example/token")),
                "serviceAccount.token_uri that is not usable");
        refusedNamingNoKey("{\"username\": \"u\", \"serviceAccount\": \"" + keyBody() + "\"}", "not an object");
    }

    @Test
    void refusesAServiceAccountTogetherWithAnotherForm() {
        ObjectNode withSecret =
                googleSecret(URI.create("https://oauth2.googleapis.com/token")).put("clientSecret", "s");
        refusedNamingNoKey(withSecret.toString(), "both OAuth2 client fields and a serviceAccount");
        ObjectNode withPassword =
                googleSecret(URI.create("https://oauth2.googleapis.com/token")).put("password", "p");
        refusedNamingNoKey(withPassword.toString(), "both a password and OAuth2 fields");
    }
}
