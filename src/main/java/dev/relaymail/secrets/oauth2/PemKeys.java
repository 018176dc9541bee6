package dev.relaymail.secrets.oauth2;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Private keys in PEM, as key files carry them. */
public final class PemKeys {
    private static final Pattern PKCS8 =
            Pattern.compile("\\s*-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----\\s*");

    private PemKeys() {}

    /**
     * The RSA key in a PKCS #8 PEM block ({@code BEGIN PRIVATE KEY}, as Google's key files have it), or empty when the
     * text is not one. Nothing about the text is reported, since it is a secret.
     */
    public static Optional<PrivateKey> rsaPrivateKey(String pem) {
        Matcher block = PKCS8.matcher(pem);
        if (!block.matches()) {
            return Optional.empty();
        }
        try {
            byte[] der = Base64.getMimeDecoder().decode(block.group(1));
            return Optional.of(KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der)));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
