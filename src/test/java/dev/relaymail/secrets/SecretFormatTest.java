package dev.relaymail.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relaymail.core.RelayException;
import java.net.URI;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SecretFormatTest {
    private static final String SECRET = "TOP-SECRET-VALUE";

    private static String oauth2(String tokenEndpoint, String extra) {
        return "{\"username\": \"mailer@contoso.example\", \"tokenEndpoint\": \"" + tokenEndpoint + "\", "
                + "\"clientId\": \"client-1\", \"clientSecret\": \"" + SECRET + "\"" + extra + "}";
    }

    private static RelayException refused(String secretString) {
        RelayException e = assertThrows(RelayException.class, () -> SecretFormat.parse(secretString));
        assertEquals(RelayException.Kind.CREDENTIALS, e.kind());
        assertFalse(e.getMessage().contains(SECRET), e.getMessage());
        return e;
    }

    @Test
    void readsAPasswordSecretIgnoringOtherFields() throws Exception {
        SmtpSecret secret = SecretFormat.parse("{\"username\": \"u\", \"password\": \"p\", \"engine\": \"smtp\"}");
        assertEquals(new SmtpSecret.Password(new Credentials("u", "p")), secret);
    }

    @Test
    void readsOAuth2ClientSettingsWithAndWithoutScope() throws Exception {
        String endpoint = "https://login.microsoftonline.com/tenant/oauth2/v2.0/token";
        SmtpSecret withScope = SecretFormat.parse(oauth2(endpoint,
                ", \"scope\": \"https://outlook.office365.com/.default\""));
        assertEquals(new SmtpSecret.OAuth2(new OAuth2Client("mailer@contoso.example", URI.create(endpoint),
                "client-1", SECRET, Optional.of("https://outlook.office365.com/.default"))), withScope);
        SmtpSecret without = SecretFormat.parse(oauth2(endpoint, ""));
        assertEquals(Optional.empty(), ((SmtpSecret.OAuth2) without).client().scope());
    }

    @ParameterizedTest
    @ValueSource(strings = {"not json", "[]", "{}", "{\"username\": \"\", \"password\": \"p\"}",
        "{\"username\": \"u\"}", "{\"user\": \"u\", \"pass\": \"TOP-SECRET-VALUE\"}",
        "{\"username\": \"u\", \"password\": 42}"})
    void refusesASecretOfNeitherForm(String secretString) {
        assertTrue(refused(secretString).getMessage().contains("\"tokenEndpoint\""), "names both forms");
    }

    @Test
    void refusesAPasswordTogetherWithOAuth2Fields() {
        String both = oauth2("https://login.example/token", ", \"password\": \"" + SECRET + "\"");
        assertTrue(refused(both).getMessage().contains("both a password and OAuth2 fields"));
    }

    @Test
    void namesTheMissingOAuth2FieldsNotTheValues() {
        String partial = "{\"username\": \"u\", \"clientId\": \"c\", \"clientSecret\": \"" + SECRET + "\"}";
        assertTrue(refused(partial).getMessage().contains("no valid tokenEndpoint"));
        String emptySecret = oauth2("https://login.example/token", "").replace(SECRET, "");
        assertTrue(refused(emptySecret).getMessage().contains("no valid clientSecret"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://login.example/token", "http://127.0.0.1.example/token", "http://10.0.0.1/token",
        "ftp://127.0.0.1/token", "/relative/token", "https:///no-host", "not a url"})
    void refusesATokenEndpointThatIsNotHttpsUnlessOnLoopback(String endpoint) {
        assertTrue(refused(oauth2(endpoint, "")).getMessage().contains("tokenEndpoint"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://login.example/token", "HTTPS://login.example:8443/t?x=1",
        "http://127.0.0.1:8080/token", "http://localhost/token", "http://[::1]:9000/token"})
    void acceptsHttpsAndHttpOnLoopback(String endpoint) throws Exception {
        assertEquals(URI.create(endpoint),
                ((SmtpSecret.OAuth2) SecretFormat.parse(oauth2(endpoint, ""))).client().tokenEndpoint());
    }

    @Test
    void neitherClientSecretNorPasswordAppearsInToString() {
        OAuth2Client client = new OAuth2Client("u", URI.create("https://login.example/token"), "c", SECRET,
                Optional.empty());
        assertFalse(client.toString().contains(SECRET));
        assertFalse(new Credentials("u", SECRET, Credentials.Kind.OAUTH2_TOKEN).toString().contains(SECRET));
    }
}
