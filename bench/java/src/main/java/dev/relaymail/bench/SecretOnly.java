package dev.relaymail.bench;

import dev.relaymail.aws.SigV4;
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
 *
 * <p>Given {@code own-signer} or {@code sdk-signer} (bench/signer.py), it reads the secret as the function does, then
 * fails unless its request was signed by the function's {@code SigV4} or, respectively, by the bench's stand-in that
 * signs with the AWS SDK's signer (bench/java/src/sdk-signer, put first on the class path): so that a comparison of
 * the two cannot silently measure the same signer twice.
 */
public final class SecretOnly {
    private SecretOnly() {}

    public static void main(String[] args) throws Exception {
        String how = args.length > 0 ? args[0] : "";
        SecretReader reader =
                how.equals("sdk") ? SdkSecretReader.create() : SecretReader.forEnvironment(System.getenv());
        new SecretsManagerCredentials(reader, System.getenv("SMTP_SECRET_ID"))
                .current(Deadline.in(Duration.ofSeconds(10)));
        if (how.endsWith("-signer")) {
            String signer = SigV4.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .getPath();
            if (signer.endsWith("/sdk-signer/") != how.equals("sdk-signer")) {
                System.err.println("asked for " + how + ", but SigV4 came from " + signer);
                System.exit(2);
            }
        }
    }
}
