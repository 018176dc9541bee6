package dev.relaymail.secrets.oauth2;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An OAuth2 access token and when it expires. It is used for new relay connections until {@link #MARGIN} before
 * then; a token whose answer gave no lifetime is used for the connection it was fetched for only.
 * {@link #toString()} never shows the token.
 */
public record AccessToken(String value, Instant expiresAt) {
    /** A token this close to its expiry is not used for a new connection. */
    static final Duration MARGIN = Duration.ofSeconds(60);
    /** The longest a token is kept, whatever its answer says: a day (Microsoft's and Google's last an hour). */
    static final Duration LONGEST = Duration.ofDays(1);
    /** RFC 6750's b64token: nothing that could break out of the XOAUTH2 string or an SMTP command. */
    private static final Pattern B64TOKEN = Pattern.compile("[A-Za-z0-9._~+/-]+=*");

    public AccessToken {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(expiresAt, "expiresAt");
        if (!B64TOKEN.matcher(value).matches()) {
            throw new IllegalArgumentException("access_token is not a bearer token");
        }
    }

    /** Whether a new connection may still use this token. */
    public boolean usableAt(Instant now) {
        return now.isBefore(expiresAt.minus(MARGIN));
    }

    /**
     * The token in a token endpoint's JSON answer ({@code access_token}, {@code expires_in} as a number or numeric
     * string, {@code token_type} Bearer when given), received at {@code now}.
     *
     * @throws IllegalArgumentException naming the field at fault, never its value
     */
    static AccessToken fromAnswer(JsonNode answer, Instant now) {
        if (answer == null || !answer.isObject() || !answer.path("access_token").isTextual()) {
            throw new IllegalArgumentException("the answer has no access_token");
        }
        JsonNode type = answer.path("token_type");
        if (!type.isMissingNode() && !"bearer".equals(type.asText().toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("token_type is not Bearer");
        }
        long lifetime = Math.min(lifetime(answer), LONGEST.toSeconds());
        return new AccessToken(answer.get("access_token").textValue(), now.plusSeconds(lifetime));
    }

    private static long lifetime(JsonNode answer) {
        JsonNode expiresIn = answer.path("expires_in");
        if (expiresIn.isMissingNode() || expiresIn.isNull()) {
            return 0;
        }
        if (expiresIn.isIntegralNumber() && expiresIn.canConvertToLong() && expiresIn.asLong() >= 0) {
            return expiresIn.asLong();
        }
        if (expiresIn.isTextual() && expiresIn.textValue().matches("\\d{1,12}")) {
            return Long.parseLong(expiresIn.textValue());
        }
        throw new IllegalArgumentException("expires_in is not a number of seconds");
    }

    @Override
    public String toString() {
        return "AccessToken[value=****, expiresAt=" + expiresAt + "]";
    }
}
