package dev.relaymail.secrets.oauth2;

import dev.relaymail.core.Deadline;
import dev.relaymail.core.RelayException;
import dev.relaymail.http.HttpPost;
import dev.relaymail.json.JsonTrees;
import dev.relaymail.secrets.SecretsManagerCredentials;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.StringJoiner;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * An OAuth2 token request ({@link TokenGrant}: client credentials, or a service account's signed JWT): one form POST
 * ({@link HttpPost}: bounded in time, never past the invocation's deadline, no redirect followed, so the credentials
 * go to the configured endpoint only, the answer read up to a limit), one JSON answer. A failure is a transient {@code CREDENTIALS} failure saying what the endpoint did, never showing a client
 * secret, an assertion or a token.
 */
public final class TokenEndpoint {
    private static final Logger LOG = Logger.getLogger(TokenEndpoint.class.getName());
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    static final Duration READ_TIMEOUT = Duration.ofSeconds(5);
    /** The longest a whole token request may take, however slowly the endpoint answers. */
    static final Duration TOTAL_TIMEOUT = CONNECT_TIMEOUT.plus(READ_TIMEOUT);

    private static final HttpPost.Limits LIMITS =
            new HttpPost.Limits((int) CONNECT_TIMEOUT.toMillis(), (int) READ_TIMEOUT.toMillis(), 64 * 1024);
    private static final Map<String, String> HEADERS =
            Map.of("Content-Type", "application/x-www-form-urlencoded", "Accept", "application/json");

    private final Clock clock;

    public TokenEndpoint(Clock clock) {
        this.clock = clock;
    }

    /** Asks for a token, waiting at most {@link #TOTAL_TIMEOUT} and never past {@code deadline}. */
    public AccessToken request(OAuth2Client client, Deadline deadline) throws RelayException {
        String where = "the OAuth2 token endpoint " + client.tokenEndpoint().getHost();
        int budget = deadline.cap((int) TOTAL_TIMEOUT.toMillis());
        if (budget < SecretsManagerCredentials.MIN_TIME.toMillis()) {
            throw new RelayException(
                    RelayException.Kind.DEADLINE,
                    "not enough time left in this invocation to ask " + where + " for a token");
        }
        HttpPost.Answer answer;
        try {
            byte[] form = form(client.grant().form(client, clock.instant()));
            answer = HttpPost.send(client.tokenEndpoint().toURL(), HEADERS, form, where, LIMITS, budget, deadline);
        } catch (IllegalStateException | MalformedURLException e) {
            throw failure("the request to " + where + " could not be made: " + e.getMessage());
        } catch (HttpPost.Failure e) {
            throw failure(e.getMessage());
        }
        if (answer.status() != 200) {
            throw failure(where + " answered HTTP " + answer.status() + oauthError(answer.body()));
        }
        try {
            Instant now = clock.instant();
            AccessToken token = AccessToken.fromAnswer(JsonTrees.read(answer.body()), now);
            LOG.log(Level.INFO, "got an OAuth2 access token from {0} for client {1}, valid for {2} s", new Object[] {
                client.tokenEndpoint().getHost(),
                client.grant().client(),
                Long.toString(Duration.between(now, token.expiresAt()).toSeconds())
            });
            return token;
        } catch (IOException e) {
            throw failure(where + " answered with something that is not JSON");
        } catch (IllegalArgumentException e) {
            throw failure(where + " answered without a usable token: " + e.getMessage());
        }
    }

    private static byte[] form(Map<String, String> fields) {
        StringJoiner form = new StringJoiner("&");
        fields.forEach((name, value) -> form.add(URLEncoder.encode(name, StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(value, StandardCharsets.UTF_8)));
        return form.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** The RFC 6749 {@code error} code of an error answer, when it is one; its description is never repeated. */
    private static String oauthError(byte[] answer) {
        try {
            String error = JsonTrees.read(answer).path("error").asText("");
            return error.matches("[A-Za-z0-9_.-]{1,64}") ? " (" + error + ")" : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static RelayException failure(String detail) {
        return new RelayException(RelayException.Kind.CREDENTIALS, detail);
    }
}
