package dev.relaymail.bench;

import dev.relaymail.core.Deadline;
import dev.relaymail.secrets.SdkSecretReader;
import dev.relaymail.secrets.SecretReader;
import dev.relaymail.secrets.SecretsManagerCredentials;
import java.time.Duration;

/**
 * The floor under the function's cold start: a JVM that does nothing but read the relay secret as the function does
 * on Lambda (its own signed {@code GetSecretValue}), or, given {@code sdk}, with the AWS SDK's Secrets Manager client
 * on the URL-connection HTTP client, as SnapStart functions and other environments do. No JSON event, no MIME, no
 * SMTP: whatever the function does on top of this costs more.
 */
public final class SecretOnly {
    private SecretOnly() {}

    public static void main(String[] args) throws Exception {
        SecretReader reader = args.length > 0 && args[0].equals("sdk")
                ? SdkSecretReader.create()
                : SecretReader.forEnvironment(System.getenv());
        new SecretsManagerCredentials(reader, System.getenv("SMTP_SECRET_ID"))
                .current(Deadline.in(Duration.ofSeconds(10)));
    }
}
