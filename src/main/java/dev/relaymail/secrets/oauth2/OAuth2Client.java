package dev.relaymail.secrets.oauth2;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The OAuth2 settings an SMTP secret may hold instead of a password: the mailbox to send as, the token endpoint, the
 * grant with which a token is asked for (a client's id and secret, or a service account's key) and the scope. The
 * endpoint must be https (http only on a loopback address, for tests). Errors name the field, never a value;
 * {@link #toString()} never shows a client secret or a key.
 */
public record OAuth2Client(String username, URI tokenEndpoint, TokenGrant grant, Optional<String> scope) {

    public OAuth2Client {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(tokenEndpoint, "tokenEndpoint");
        Objects.requireNonNull(grant, "grant");
        Objects.requireNonNull(scope, "scope");
        if (!secure(tokenEndpoint)) {
            throw new IllegalArgumentException("the token endpoint must be https (http only on a loopback address)");
        }
    }

    private static boolean secure(URI endpoint) {
        String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
        String host = endpoint.getHost();
        if (!endpoint.isAbsolute() || host == null) {
            return false;
        }
        return scheme.equals("https") || (scheme.equals("http") && loopback(host));
    }

    /** Whether the host is {@code localhost} or a loopback IP literal; names are never looked up. */
    private static boolean loopback(String host) {
        if (host.equalsIgnoreCase("localhost") || host.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}")) {
            return true;
        }
        if (!host.startsWith("[")) {
            return false;
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
