package dev.relaymail.secrets;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.relaymail.aws.AwsJsonClient;
import dev.relaymail.core.Deadline;
import dev.relaymail.json.JsonTrees;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the secret with one request of the function's own ({@link AwsJsonClient}): Secrets Manager's
 * {@code GetSecretValue}, signed with the keys Lambda puts in the environment. Used where the environment allows it
 * ({@link AwsJsonClient#fromEnvironment}); the SDK's client reads the secret everywhere else.
 */
public final class SignedSecretReader implements SecretReader {
    /** A secret's string is at most 64 KiB; escaped in a JSON answer with its metadata, it can take more. */
    private static final int MAX_ANSWER_BYTES = 512 * 1024;

    private final AwsJsonClient secretsManager;

    SignedSecretReader(AwsJsonClient secretsManager) {
        this.secretsManager = secretsManager;
    }

    /** A reader for this environment, when {@link AwsJsonClient#fromEnvironment} finds it fit. */
    static Optional<SignedSecretReader> fromEnvironment(Map<String, String> env) {
        return AwsJsonClient.fromEnvironment(env, AwsJsonClient.Service.SECRETS_MANAGER)
                .map(SignedSecretReader::new);
    }

    @Override
    public SecretValue read(String secretId, Deadline deadline) throws Unreadable {
        byte[] body = JsonTrees.bytes(JsonNodeFactory.instance.objectNode().put("SecretId", secretId));
        byte[] answer;
        try {
            answer = secretsManager.call("GetSecretValue", body, MAX_ANSWER_BYTES, deadline);
        } catch (AwsJsonClient.CallFailed e) {
            throw new Unreadable(e.getMessage());
        }
        try {
            Map<String, String> fields = AwsJsonClient.strings(answer, Set.of("SecretString", "VersionId"));
            return new SecretValue(fields.get("SecretString"), fields.get("VersionId"));
        } catch (IOException e) {
            throw new Unreadable("GetSecretValue answered with something that is not JSON");
        }
    }
}
