package dev.relaymail.secrets.oauth2;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relaymail.json.JsonTrees;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How the function asks a token endpoint for an access token: the grant, and what it proves itself with. No kind
 * shows its secret in {@code toString()}.
 */
public sealed interface TokenGrant permits TokenGrant.Client, TokenGrant.ServiceAccount {

    /** Who asks, for logs: a client id or a service account's address, never a secret. */
    String client();

    /** The form fields of the token request for {@code settings}, made at {@code now}. */
    Map<String, String> form(OAuth2Client settings, Instant now);

    /**
     * A client's grant. Without a refresh token, the client-credentials grant (RFC 6749, section 4.4), as Microsoft's
     * identity platform takes it, with the client's secret. With one, the refresh-token grant (section 6) for a
     * mailbox whose owner consented once, as a personal Gmail or Outlook.com account needs, with the client's secret
     * when it has one (a public client has none). The scope goes into the form when there is one. A new refresh token
     * in an answer is not kept: the function cannot write the secret.
     */
    record Client(String clientId, Optional<String> clientSecret, Optional<String> refreshToken) implements TokenGrant {

        public Client {
            Objects.requireNonNull(clientId, "clientId");
            Objects.requireNonNull(clientSecret, "clientSecret");
            Objects.requireNonNull(refreshToken, "refreshToken");
            if (clientSecret.isEmpty() && refreshToken.isEmpty()) {
                throw new IllegalArgumentException("the client-credentials grant needs the client's secret");
            }
        }

        /** The client-credentials grant. */
        public static Client credentials(String clientId, String clientSecret) {
            return new Client(clientId, Optional.of(clientSecret), Optional.empty());
        }

        /** The refresh-token grant. */
        public static Client refresh(String clientId, Optional<String> clientSecret, String refreshToken) {
            return new Client(clientId, clientSecret, Optional.of(refreshToken));
        }

        @Override
        public String client() {
            return clientId;
        }

        @Override
        public Map<String, String> form(OAuth2Client settings, Instant now) {
            Map<String, String> form = new LinkedHashMap<>();
            form.put("grant_type", refreshToken.isPresent() ? "refresh_token" : "client_credentials");
            form.put("client_id", clientId);
            clientSecret.ifPresent(secret -> form.put("client_secret", secret));
            refreshToken.ifPresent(token -> form.put("refresh_token", token));
            settings.scope().ifPresent(scope -> form.put("scope", scope));
            return form;
        }

        @Override
        public String toString() {
            return "Client[clientId=" + clientId + ", clientSecret=" + (clientSecret.isPresent() ? "****" : "")
                    + ", refreshToken=" + (refreshToken.isPresent() ? "****" : "") + "]";
        }
    }

    /**
     * The JWT bearer grant (RFC 7523) of a Google service account with domain-wide delegation: an assertion signed
     * with the account's private key (RS256) names the account as issuer, the mailbox to send as as subject, the
     * scope, and the token endpoint as audience, and is valid for {@link #LIFETIME}: long enough for the request it
     * is made for, short enough that one seen by someone else is soon worthless.
     */
    record ServiceAccount(String email, PrivateKey key, Optional<String> keyId) implements TokenGrant {
        /** How long an assertion is valid (Google takes up to an hour; the token it gives lasts an hour anyway). */
        static final Duration LIFETIME = Duration.ofMinutes(5);

        public ServiceAccount {
            Objects.requireNonNull(email, "email");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(keyId, "keyId");
        }

        @Override
        public String client() {
            return email;
        }

        @Override
        public Map<String, String> form(OAuth2Client settings, Instant now) {
            Map<String, String> form = new LinkedHashMap<>();
            form.put("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer");
            form.put("assertion", assertion(settings, now));
            return form;
        }

        /** The signed JWT: header, claims and signature, each base64url without padding, joined by dots. */
        String assertion(OAuth2Client settings, Instant now) {
            ObjectNode header =
                    JsonNodeFactory.instance.objectNode().put("alg", "RS256").put("typ", "JWT");
            keyId.ifPresent(id -> header.put("kid", id));
            ObjectNode claims = JsonNodeFactory.instance
                    .objectNode()
                    .put("iss", email)
                    .put("sub", settings.username())
                    .put("aud", settings.tokenEndpoint().toString())
                    .put("iat", now.getEpochSecond())
                    .put("exp", now.plus(LIFETIME).getEpochSecond());
            settings.scope().ifPresent(scope -> claims.put("scope", scope));
            String signed = base64Url(JsonTrees.bytes(header)) + "." + base64Url(JsonTrees.bytes(claims));
            try {
                Signature rs256 = Signature.getInstance("SHA256withRSA");
                rs256.initSign(key);
                rs256.update(signed.getBytes(StandardCharsets.US_ASCII));
                return signed + "." + base64Url(rs256.sign());
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(
                        "cannot sign with the service account's key: "
                                + e.getClass().getSimpleName(),
                        e);
            }
        }

        private static String base64Url(byte[] bytes) {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        }

        @Override
        public String toString() {
            return "ServiceAccount[email=" + email + ", key=****, keyId=" + keyId.orElse("") + "]";
        }
    }
}
