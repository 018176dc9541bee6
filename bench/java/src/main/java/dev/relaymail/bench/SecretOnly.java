package dev.relaymail.bench;

import dev.relaymail.core.Deadline;
import dev.relaymail.secrets.SecretsManagerCredentials;
import java.time.Duration;

/**
 * The floor under the function's cold start: a JVM that does nothing but read the relay secret as the function does
 * (the AWS SDK's Secrets Manager client on the URL-connection HTTP client, one GetSecretValue). No JSON event, no
 * MIME, no SMTP: whatever the function does on top of this costs more.
 */
public final class SecretOnly {
    private SecretOnly() {
    }

    public static void main(String[] args) throws Exception {
        SecretsManagerCredentials.create(System.getenv("SMTP_SECRET_ID")).current(Deadline.in(Duration.ofSeconds(10)));
    }
}
