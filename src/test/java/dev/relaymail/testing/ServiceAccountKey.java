package dev.relaymail.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.Base64;

/**
 * A Google service account made for one test: a fresh RSA key pair, the JSON key file Google would hand out for it,
 * and the check Google's token endpoint makes of a JWT bearer assertion (RFC 7523): RS256 signature by this key,
 * issuer, audience and a lifetime of at most an hour.
 */
public final class ServiceAccountKey {
    public static final String EMAIL = "relaymail-sender@relaymail-test.iam.gserviceaccount.com";
    public static final String KEY_ID = "5d1f7c0e2b3a49d8a6e4c2b1f0e9d8c7b6a59483";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KeyPair pair;

    private ServiceAccountKey(KeyPair pair) {
        this.pair = pair;
    }

    public static ServiceAccountKey generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return new ServiceAccountKey(generator.generateKeyPair());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The private key as a key file holds it: PKCS #8 PEM, 64 characters a line, with {@code \n}. */
    public String privateKeyPem() {
        String base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(pair.getPrivate().getEncoded());
        return "-----BEGIN PRIVATE KEY-----\n" + base64 + "\n-----END PRIVATE KEY-----\n";
    }

    /** The JSON key file, as downloaded from Google Cloud, with the token endpoint at {@code tokenUri}. */
    public ObjectNode keyFile(URI tokenUri) {
        return JSON.createObjectNode()
                .put("type", "service_account")
                .put("project_id", "relaymail-test")
                .put("private_key_id", KEY_ID)
                .put("private_key", privateKeyPem())
                .put("client_email", EMAIL)
                .put("client_id", "104857600000000000001")
                .put("auth_uri", "https://accounts.google.com/o/oauth2/auth")
                .put("token_uri", tokenUri.toString())
                .put("universe_domain", "googleapis.com");
    }

    /**
     * The claims of a JWT bearer assertion, after checking it as Google's endpoint does; an assertion that fails a
     * check throws {@link IllegalArgumentException} saying which.
     */
    public JsonNode verify(String assertion, URI audience, long nowSeconds) {
        String[] parts = assertion.split("\\.", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("not a signed JWT");
        }
        try {
            JsonNode header = JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
            JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
            Signature rs256 = Signature.getInstance("SHA256withRSA");
            rs256.initVerify(pair.getPublic());
            rs256.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            check(!parts[2].contains("="), "padded signature");
            check(rs256.verify(Base64.getUrlDecoder().decode(parts[2])), "signature");
            check(header.path("alg").asText().equals("RS256"), "alg");
            check(header.path("kid").asText().equals(KEY_ID), "kid");
            check(claims.path("iss").asText().equals(EMAIL), "iss");
            check(claims.path("aud").asText().equals(audience.toString()), "aud");
            long iat = claims.path("iat").asLong();
            long exp = claims.path("exp").asLong();
            check(Math.abs(iat - nowSeconds) <= 300 && exp > nowSeconds && exp - iat <= 3600, "iat/exp");
            return claims;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("unreadable assertion: " + e.getMessage(), e);
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalArgumentException("invalid " + what);
        }
    }
}
