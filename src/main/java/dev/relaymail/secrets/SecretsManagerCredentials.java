package dev.relaymail.secrets;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relaymail.config.AwsClients;
import dev.relaymail.core.RelayException;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;

/**
 * Credentials from an AWS Secrets Manager secret whose {@code SecretString} is
 * {@code {"username": "…", "password": "…"}}. Fetched on first use and cached per container; fetched again only when
 * the relay rejects them. Neither the secret's value nor any part of it is ever logged or put in an error.
 */
public final class SecretsManagerCredentials implements CredentialsSource {
    private static final Logger LOG = Logger.getLogger(SecretsManagerCredentials.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Supplier<SecretsManagerClient> client;
    private final String secretId;
    private Credentials cached;

    public SecretsManagerCredentials(Supplier<SecretsManagerClient> client, String secretId) {
        this.client = client;
        this.secretId = secretId;
    }

    /** Credentials from the secret, through a client built the function's way on first use ({@link AwsClients}). */
    public static SecretsManagerCredentials create(String secretId) {
        return new SecretsManagerCredentials(AwsClients.lazy(SecretsManagerClient::builder), secretId);
    }

    @Override
    public synchronized Credentials current() throws RelayException {
        if (cached == null) {
            cached = fetch();
        }
        return cached;
    }

    @Override
    public synchronized Credentials refresh() throws RelayException {
        cached = fetch();
        return cached;
    }

    @Override
    public synchronized void forget() {
        cached = null;
    }

    private Credentials fetch() throws RelayException {
        GetSecretValueResponse response;
        try {
            response = client.get().getSecretValue(r -> r.secretId(secretId));
        } catch (SdkException e) {
            LOG.log(Level.SEVERE, "cannot read secret {0} (SMTP_SECRET_ID): {1}", new Object[] {secretId,
                    e.getMessage()});
            throw new RelayException(RelayException.Kind.CREDENTIALS,
                    "the SMTP credentials could not be read from Secrets Manager");
        }
        Credentials credentials = parse(response.secretString());
        LOG.log(Level.INFO, "read SMTP credentials from secret {0} (version {1})",
                new Object[] {secretId, response.versionId()});
        return credentials;
    }

    private Credentials parse(String secretString) throws RelayException {
        JsonNode json = null;
        if (secretString != null) {
            try {
                json = JSON.readTree(secretString);
            } catch (JsonProcessingException e) {
                json = null;
            }
        }
        if (json == null || !json.path("username").isTextual() || !json.path("password").isTextual()
                || json.path("username").textValue().isEmpty()) {
            LOG.log(Level.SEVERE, "secret {0} (SMTP_SECRET_ID) must be a SecretString of the form "
                    + "'{'\"username\": \"…\", \"password\": \"…\"'}'", secretId);
            throw new RelayException(RelayException.Kind.CREDENTIALS,
                    "the SMTP credentials secret is not of the form {\"username\", \"password\"}");
        }
        return new Credentials(json.get("username").textValue(), json.get("password").textValue());
    }
}
