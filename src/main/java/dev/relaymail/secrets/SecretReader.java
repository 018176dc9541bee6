package dev.relaymail.secrets;

import dev.relaymail.core.Deadline;
import java.util.Map;

/**
 * Reads a secret's current value from AWS Secrets Manager: with a request of the function's own
 * ({@link SignedSecretReader}) where the environment allows it, as it does on Lambda without SnapStart, else with the
 * AWS SDK's client ({@link SdkSecretReader}).
 */
public interface SecretReader {
    /** The secret's string and the id of the version it came from. */
    record SecretValue(String secretString, String versionId) {
        /** Names the version only: the value stays out of every log and error. */
        @Override
        public String toString() {
            return "SecretValue[version " + versionId + "]";
        }
    }

    /** The secret could not be read: why, in words that show no part of it. */
    final class Unreadable extends Exception {
        private static final long serialVersionUID = 1L;

        public Unreadable(String detail) {
            super(detail);
        }
    }

    /** Reads {@code secretId}, within {@link dev.relaymail.config.AwsClients#CALL_TIMEOUT} and never past {@code deadline}. */
    SecretValue read(String secretId, Deadline deadline) throws Unreadable;

    /** Starts what a first read needs ahead of it, on a daemon thread; nothing when there is nothing to prepare. */
    default void prepare() {}

    /**
     * The reader for this environment: the function's own signed request when the environment names the access keys
     * and a region and sets nothing only the SDK understands; else the SDK's client, built on first use.
     */
    static SecretReader forEnvironment(Map<String, String> env) {
        return SignedSecretReader.fromEnvironment(env).<SecretReader>map(r -> r).orElseGet(SdkSecretReader::create);
    }
}
