package dev.relaymail.secrets;

import dev.relaymail.aws.AwsClients;
import dev.relaymail.core.Deadline;
import java.time.Duration;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;

/**
 * Reads the secret with the AWS SDK's Secrets Manager client, which finds region, endpoint and credentials in every
 * way the SDK knows (SnapStart's container credentials, profiles, FIPS and dual-stack endpoints among them). Building
 * the client loads over a thousand classes, so it is built on first use, or ahead of it by {@link #prepare()}.
 */
public final class SdkSecretReader implements SecretReader {
    private final Supplier<SecretsManagerClient> client;

    public SdkSecretReader(Supplier<SecretsManagerClient> client) {
        this.client = client;
    }

    /** A reader whose client is built the function's way ({@link AwsClients}) on first use. */
    public static SdkSecretReader create() {
        return new SdkSecretReader(AwsClients.lazy(SecretsManagerClient::builder));
    }

    @Override
    public SecretValue read(String secretId, Deadline deadline) throws Unreadable {
        Duration timeout = Duration.ofMillis(deadline.cap((int) AwsClients.CALL_TIMEOUT.toMillis()));
        try {
            GetSecretValueResponse response = client.get()
                    .getSecretValue(r -> r.secretId(secretId).overrideConfiguration(c -> c.apiCallTimeout(timeout)));
            return new SecretValue(response.secretString(), response.versionId());
        } catch (SdkException e) {
            throw new Unreadable(e.getMessage());
        }
    }

    /**
     * Builds the client on a daemon thread; whoever reads first waits for it. A failure is left for that read to meet
     * again and report.
     */
    @Override
    public void prepare() {
        Thread thread = new Thread(
                () -> {
                    try {
                        client.get();
                    } catch (RuntimeException e) {
                        // reported when the client is used
                    }
                },
                "secrets-client");
        thread.setDaemon(true);
        thread.start();
    }
}
