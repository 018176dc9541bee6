package dev.relaymail.testing;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;

/**
 * The SMTP credentials secret in its OAuth2 forms, as JSON a test puts into Secrets Manager or parses: a client's
 * credentials (with {@code put("refreshToken", …)}, the refresh-token form), or a Google service account's key file.
 * Each comes without a {@code scope}; add one with {@code put("scope", …)}.
 */
public final class OAuth2Secrets {
    private OAuth2Secrets() {}

    /** A client-credentials secret; the endpoint is a string so that a test can give one that is not a URL. */
    public static ObjectNode clientCredentials(
            String username, String tokenEndpoint, String clientId, String clientSecret) {
        return JsonNodeFactory.instance
                .objectNode()
                .put("username", username)
                .put("tokenEndpoint", tokenEndpoint)
                .put("clientId", clientId)
                .put("clientSecret", clientSecret);
    }

    /** A secret holding the account's key file, whose token endpoint is {@code tokenUri}. */
    public static ObjectNode serviceAccount(String username, ServiceAccountKey account, URI tokenUri) {
        ObjectNode secret = JsonNodeFactory.instance.objectNode().put("username", username);
        secret.set("serviceAccount", account.keyFile(tokenUri));
        return secret;
    }
}
