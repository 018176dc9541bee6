package dev.relaymail.secrets;

import java.util.Objects;

/**
 * SMTP AUTH credentials: a user name and a password, or an OAuth2 access token in the password's place (sent with
 * XOAUTH2 by {@code SmtpLogin}). {@link #toString()} never shows the password or the token.
 */
public record Credentials(String username, String password, Kind kind) {

    /** What the password is, which decides how the relay is authenticated to. */
    public enum Kind {
        /** A password, sent with AUTH PLAIN or LOGIN. */
        PASSWORD,
        /** An OAuth2 access token, sent with AUTH XOAUTH2. */
        OAUTH2_TOKEN
    }

    public Credentials {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(kind, "kind");
    }

    /** A user name and a password. */
    public Credentials(String username, String password) {
        this(username, password, Kind.PASSWORD);
    }

    @Override
    public String toString() {
        return "Credentials[username=" + username + ", password=****, kind=" + kind + "]";
    }
}
