package dev.relaymail.secrets;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relaymail.core.RelayException;
import dev.relaymail.json.JsonTrees;
import dev.relaymail.secrets.oauth2.OAuth2Client;
import dev.relaymail.secrets.oauth2.PemKeys;
import dev.relaymail.secrets.oauth2.TokenGrant;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads the {@code SecretString} of the SMTP credentials secret. Which form it is follows from its fields: a
 * {@code password}, OAuth2 client fields (with a {@code refreshToken} for a mailbox whose owner consented), or a
 * Google {@code serviceAccount} key. Other fields are ignored (rotation functions add their own). A secret of no
 * form, or of two, is refused with an error that names fields, never values.
 */
final class SecretFormat {
    static final String FORMS = "{\"username\", \"password\"}, {\"username\", \"tokenEndpoint\", \"clientId\", "
            + "\"clientSecret\", \"scope\"}, {\"username\", \"tokenEndpoint\", \"clientId\", \"clientSecret\" (if the "
            + "client has one), \"refreshToken\", \"scope\"} or {\"username\", \"serviceAccount\", \"scope\"}";
    /** The only scope Gmail's SMTP server takes a token for. */
    static final String GMAIL_SCOPE = "https://mail.google.com/";

    static final URI GOOGLE_TOKEN_ENDPOINT = URI.create("https://oauth2.googleapis.com/token");
    private static final List<String> CLIENT_FIELDS =
            List.of("tokenEndpoint", "clientId", "clientSecret", "refreshToken");
    private static final Pattern CONTROL = Pattern.compile("[\\x00-\\x1F\\x7F]");

    private SecretFormat() {}

    static SmtpSecret parse(String secretString) throws RelayException {
        JsonNode json = readObject(secretString);
        if (!nonEmptyText(json, "username")) {
            throw refused("is not of the form " + FORMS);
        }
        String username = json.get("username").textValue();
        if (CONTROL.matcher(username).find()) {
            throw refused("has a username with a control character, which would break the AUTH exchange");
        }
        boolean client = CLIENT_FIELDS.stream().anyMatch(json::has);
        boolean account = json.has("serviceAccount");
        if (json.has("password") && (client || account || json.has("scope"))) {
            throw refused("has both a password and OAuth2 fields; it must be of the form " + FORMS);
        }
        if (client && account) {
            throw refused("has both OAuth2 client fields and a serviceAccount; it must be of the form " + FORMS);
        }
        if (account) {
            return new SmtpSecret.OAuth2(serviceAccount(json, username));
        }
        if (client || json.has("scope")) {
            return new SmtpSecret.OAuth2(oauth2Client(json, username));
        }
        if (!json.path("password").isTextual()) {
            throw refused("is not of the form " + FORMS);
        }
        if (json.get("password").textValue().indexOf('\0') >= 0) {
            throw refused("has a password with a NUL character, which would break AUTH PLAIN");
        }
        return new SmtpSecret.Password(
                new Credentials(username, json.get("password").textValue()));
    }

    /**
     * A client's settings: with a {@code refreshToken}, the refresh-token grant, for which a public client has no
     * {@code clientSecret}; without, the client-credentials grant.
     */
    private static OAuth2Client oauth2Client(JsonNode json, String username) throws RelayException {
        boolean refresh = json.has("refreshToken");
        List<String> missing = new ArrayList<>();
        for (String field : CLIENT_FIELDS) {
            boolean optional = field.equals(refresh ? "clientSecret" : "refreshToken");
            if ((!optional || json.has(field)) && !nonEmptyText(json, field)) {
                missing.add(field);
            }
        }
        missing.addAll(invalidScope(json));
        if (!missing.isEmpty()) {
            throw refused("has OAuth2 fields but no valid " + String.join(", ", missing));
        }
        String clientId = json.get("clientId").textValue();
        TokenGrant grant = refresh
                ? TokenGrant.Client.refresh(
                        clientId,
                        Optional.ofNullable(json.get("clientSecret")).map(JsonNode::textValue),
                        json.get("refreshToken").textValue())
                : TokenGrant.Client.credentials(
                        clientId, json.get("clientSecret").textValue());
        return settings(username, json.get("tokenEndpoint").textValue(), "tokenEndpoint", grant, scope(json, ""));
    }

    /**
     * A Google service account's JSON key file, as Google gives it, in {@code serviceAccount}: its
     * {@code client_email}, its RSA {@code private_key} (PKCS #8 PEM), optionally {@code private_key_id} and
     * {@code token_uri}. The scope defaults to Gmail's.
     */
    private static OAuth2Client serviceAccount(JsonNode json, String username) throws RelayException {
        JsonNode key = json.get("serviceAccount");
        if (!key.isObject()) {
            throw refused("has a serviceAccount that is not an object (the service account's JSON key file)");
        }
        if (key.has("type") && !"service_account".equals(key.get("type").asText())) {
            throw refused("has a serviceAccount whose type is not service_account");
        }
        List<String> missing = new ArrayList<>();
        for (String field : List.of("client_email", "private_key")) {
            if (!nonEmptyText(key, field)) {
                missing.add("serviceAccount." + field);
            }
        }
        for (String field : List.of("private_key_id", "token_uri")) {
            if (key.has(field) && !nonEmptyText(key, field)) {
                missing.add("serviceAccount." + field);
            }
        }
        missing.addAll(invalidScope(json));
        if (!missing.isEmpty()) {
            throw refused("has a serviceAccount but no valid " + String.join(", ", missing));
        }
        TokenGrant grant = new TokenGrant.ServiceAccount(
                key.get("client_email").textValue(),
                PemKeys.rsaPrivateKey(key.get("private_key").textValue())
                        .orElseThrow(() -> refused(
                                "has a serviceAccount.private_key that is not an RSA private key in PKCS #8 PEM")),
                Optional.ofNullable(key.get("private_key_id")).map(JsonNode::textValue));
        String endpoint = key.path("token_uri").asText(GOOGLE_TOKEN_ENDPOINT.toString());
        return settings(username, endpoint, "serviceAccount.token_uri", grant, scope(json, GMAIL_SCOPE));
    }

    private static OAuth2Client settings(
            String username, String endpoint, String endpointField, TokenGrant grant, Optional<String> scope)
            throws RelayException {
        try {
            return new OAuth2Client(username, new URI(endpoint), grant, scope);
        } catch (URISyntaxException e) {
            throw refused("has a " + endpointField + " that is not a URL");
        } catch (IllegalArgumentException e) {
            throw refused("has a " + endpointField + " that is not usable: " + e.getMessage());
        }
    }

    private static List<String> invalidScope(JsonNode json) {
        return json.has("scope") && !json.get("scope").isTextual() ? List.of("scope") : List.of();
    }

    /** The secret's scope, or {@code fallback} when it has none or a blank one (an empty fallback: no scope). */
    private static Optional<String> scope(JsonNode json, String fallback) {
        String scope = json.path("scope").asText("").strip();
        String chosen = scope.isEmpty() ? fallback : scope;
        return chosen.isEmpty() ? Optional.empty() : Optional.of(chosen);
    }

    /**
     * The secret's JSON object. Anything else is refused without the parser's message, which can quote the secret; a
     * binary secret has no string.
     */
    private static JsonNode readObject(String secretString) throws RelayException {
        JsonNode json = null;
        if (secretString != null) {
            try {
                json = JsonTrees.read(secretString);
            } catch (IOException e) {
                // refused below
            }
        }
        if (json == null || !json.isObject()) {
            throw refused("is not one JSON object with each field named once, of the form " + FORMS);
        }
        return json;
    }

    private static boolean nonEmptyText(JsonNode json, String field) {
        return json.path(field).isTextual() && !json.get(field).textValue().isBlank();
    }

    private static RelayException refused(String why) {
        return new RelayException(RelayException.Kind.CREDENTIALS, "the SMTP credentials secret " + why);
    }
}
