package dev.relaymail.secrets;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relaymail.core.RelayException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads the {@code SecretString} of the SMTP credentials secret. Which form it is follows from its fields: a
 * {@code password}, or the OAuth2 fields. Other fields are ignored (rotation functions add their own). A secret of
 * neither form is refused with an error that names fields, never values.
 */
final class SecretFormat {
    static final String FORMS = "{\"username\", \"password\"} or {\"username\", \"tokenEndpoint\", \"clientId\", "
            + "\"clientSecret\", \"scope\"}";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> OAUTH2_FIELDS = List.of("tokenEndpoint", "clientId", "clientSecret", "scope");

    private SecretFormat() {
    }

    static SmtpSecret parse(String secretString) throws RelayException {
        JsonNode json = readObject(secretString);
        if (json == null || !nonEmptyText(json, "username")) {
            throw refused("is not of the form " + FORMS);
        }
        String username = json.get("username").textValue();
        boolean oauth2 = OAUTH2_FIELDS.stream().anyMatch(json::has);
        if (oauth2 && json.has("password")) {
            throw refused("has both a password and OAuth2 fields; it must be of the form " + FORMS);
        }
        if (!oauth2) {
            if (!json.path("password").isTextual()) {
                throw refused("is not of the form " + FORMS);
            }
            return new SmtpSecret.Password(new Credentials(username, json.get("password").textValue()));
        }
        return new SmtpSecret.OAuth2(oauth2Client(json, username));
    }

    private static OAuth2Client oauth2Client(JsonNode json, String username) throws RelayException {
        List<String> missing = new ArrayList<>();
        for (String field : List.of("tokenEndpoint", "clientId", "clientSecret")) {
            if (!nonEmptyText(json, field)) {
                missing.add(field);
            }
        }
        if (json.has("scope") && !json.get("scope").isTextual()) {
            missing.add("scope");
        }
        if (!missing.isEmpty()) {
            throw refused("has OAuth2 fields but no valid " + String.join(", ", missing));
        }
        String scope = json.path("scope").asText("").strip();
        try {
            return new OAuth2Client(username, new URI(json.get("tokenEndpoint").textValue()),
                    json.get("clientId").textValue(), json.get("clientSecret").textValue(),
                    scope.isEmpty() ? Optional.empty() : Optional.of(scope));
        } catch (URISyntaxException e) {
            throw refused("has a tokenEndpoint that is not a URL");
        } catch (IllegalArgumentException e) {
            throw refused("has an OAuth2 field that is not usable: " + e.getMessage());
        }
    }

    private static JsonNode readObject(String secretString) {
        if (secretString == null) {
            return null;
        }
        try {
            JsonNode json = JSON.readTree(secretString);
            return json != null && json.isObject() ? json : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private static boolean nonEmptyText(JsonNode json, String field) {
        return json.path(field).isTextual() && !json.get(field).textValue().isBlank();
    }

    private static RelayException refused(String why) {
        return new RelayException(RelayException.Kind.CREDENTIALS, "the SMTP credentials secret " + why);
    }
}
