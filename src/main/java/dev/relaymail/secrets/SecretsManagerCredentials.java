package dev.relaymail.secrets;

import dev.relaymail.core.Deadline;
import dev.relaymail.core.RelayException;
import dev.relaymail.secrets.oauth2.AccessToken;
import dev.relaymail.secrets.oauth2.OAuth2Client;
import dev.relaymail.secrets.oauth2.TokenEndpoint;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Credentials from an AWS Secrets Manager secret whose {@code SecretString} is {@code {"username", "password"}}, or
 * OAuth2 settings (a client's credentials, or a Google service account's key) with which an access token is fetched
 * ({@link SecretFormat}). The secret is fetched on first use and cached per container, and fetched again only when
 * the relay rejects the credentials; an access token is cached until shortly before it expires, and fetched anew when
 * the relay rejects it. Neither the secret's value nor any part of it, nor a token, is ever logged or put in an error.
 */
public final class SecretsManagerCredentials implements CredentialsSource {
    private static final Logger LOG = Logger.getLogger(SecretsManagerCredentials.class.getName());
    /** Below this much time left, the secret is not read: the call could not finish. */
    public static final Duration MIN_TIME = Duration.ofMillis(100);

    private final SecretReader reader;
    private final String secretId;
    private final TokenEndpoint tokens;
    private final Clock clock;
    private SmtpSecret secret;
    private AccessToken token;

    public SecretsManagerCredentials(SecretReader reader, String secretId) {
        this(reader, secretId, Clock.systemUTC());
    }

    SecretsManagerCredentials(SecretReader reader, String secretId, Clock clock) {
        this.reader = reader;
        this.secretId = secretId;
        this.tokens = new TokenEndpoint(clock);
        this.clock = clock;
    }

    /** Credentials from the secret, read the way this environment allows ({@link SecretReader#forEnvironment}). */
    public static SecretsManagerCredentials create(String secretId, Map<String, String> env) {
        return new SecretsManagerCredentials(SecretReader.forEnvironment(env), secretId);
    }

    @Override
    public synchronized Credentials current(Deadline deadline) throws RelayException {
        if (secret == null) {
            secret = fetch(deadline);
        }
        return login(false, deadline);
    }

    @Override
    public synchronized Credentials refresh(Deadline deadline) throws RelayException {
        secret = fetch(deadline);
        return login(true, deadline);
    }

    @Override
    public synchronized void forget() {
        secret = null;
        token = null;
    }

    /** The password, or an access token: the cached one while it is usable, unless a new one is asked for. */
    private Credentials login(boolean newToken, Deadline deadline) throws RelayException {
        if (secret instanceof SmtpSecret.Password password) {
            token = null;
            return password.credentials();
        }
        OAuth2Client oauth2 = ((SmtpSecret.OAuth2) secret).client();
        if (newToken || token == null || !token.usableAt(clock.instant())) {
            token = null;
            token = tokens.request(oauth2, deadline);
        }
        return new Credentials(oauth2.username(), token.value(), Credentials.Kind.OAUTH2_TOKEN);
    }

    private SmtpSecret fetch(Deadline deadline) throws RelayException {
        if (!deadline.allows(MIN_TIME)) {
            throw new RelayException(
                    RelayException.Kind.DEADLINE,
                    "not enough time left in this invocation to read the SMTP credentials");
        }
        SecretReader.SecretValue value;
        try {
            value = reader.read(secretId, deadline);
        } catch (SecretReader.Unreadable e) {
            LOG.log(Level.SEVERE, "cannot read secret {0} (SMTP_SECRET_ID): {1}", new Object[] {secretId, e.getMessage()
            });
            throw new RelayException(
                    RelayException.Kind.CREDENTIALS, "the SMTP credentials could not be read from Secrets Manager");
        }
        SmtpSecret parsed;
        try {
            parsed = SecretFormat.parse(value.secretString());
        } catch (RelayException e) {
            LOG.log(Level.SEVERE, "secret {0} (SMTP_SECRET_ID) is not usable: {1}", new Object[] {
                secretId, e.getMessage()
            });
            throw e;
        }
        LOG.log(Level.INFO, "read SMTP credentials ({0}) from secret {1} (version {2})", new Object[] {
            parsed.form(), secretId, value.versionId()
        });
        return parsed;
    }
}
