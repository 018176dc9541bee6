package dev.relaymail.template;

import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Templates in an S3 bucket ({@code TEMPLATE_BUCKET}), under {@code <prefix><name>/}. The function may list the
 * prefix, so that a missing file is a 404 rather than an access denial, and a denial means a broken setup.
 */
public final class S3Templates implements TemplateSource {
    private final Supplier<S3Client> client;
    private final String bucket;
    private final String prefix;

    public S3Templates(Supplier<S3Client> client, String bucket, String prefix) {
        this.client = client;
        this.bucket = bucket;
        this.prefix = prefix;
    }

    @Override
    public String describe() {
        return "s3://" + bucket + "/" + prefix;
    }

    @Override
    public Optional<String> read(String name, String file) throws Unavailable {
        String key = prefix + name + "/" + file;
        try {
            return Optional.of(client.get()
                    .getObjectAsBytes(r -> r.bucket(bucket).key(key))
                    .asUtf8String());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw new Unavailable("cannot read s3://" + bucket + "/" + key + ": " + e.getMessage());
        }
    }
}
