package dev.relaymail.secrets;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which reader reads the secret in which environment. */
class SecretReaderTest {
    @Test
    void theSdkReadsTheSecretWhenTheEnvironmentHasNoKeys() {
        Map<String, String> lambda = new HashMap<>(Map.of(
                "AWS_ACCESS_KEY_ID",
                "ASIAEXAMPLE",
                "AWS_SECRET_ACCESS_KEY",
                "secret",
                "AWS_SESSION_TOKEN",
                "token",
                "AWS_REGION",
                "eu-central-1"));
        Map<String, String> snapStart = Map.of(
                "AWS_REGION",
                "eu-central-1",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "http://127.0.0.1:9001/2021-04-23/credentials");

        assertInstanceOf(SignedSecretReader.class, SecretReader.forEnvironment(lambda));
        assertInstanceOf(SdkSecretReader.class, SecretReader.forEnvironment(snapStart));
    }
}
