package dev.relaymail.storage;

import dev.relaymail.aws.AwsClients;
import dev.relaymail.core.Attachment;
import dev.relaymail.core.Deadline;
import dev.relaymail.core.ObjectStore;
import java.io.IOException;
import java.time.Duration;
import java.util.function.Supplier;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Attachments read from S3 by reference. The object's size, from the response headers, is checked before its
 * content is transferred; the call may take what is left of the invocation, less a margin to answer in.
 */
public final class S3ObjectStore implements ObjectStore {
    /** Kept back from the deadline for composing and sending once the object is in. */
    private static final Duration MARGIN = Duration.ofSeconds(3);

    private final Supplier<S3Client> client;

    public S3ObjectStore(Supplier<S3Client> client) {
        this.client = client;
    }

    /** An S3 client built the function's way on first use ({@link AwsClients}). */
    public static Supplier<S3Client> lazyClient() {
        return AwsClients.lazy(S3Client::builder);
    }

    @Override
    public byte[] read(Attachment.StoredObject object, long maxBytes, Deadline deadline) throws ReadFailure {
        Duration budget = Duration.ofMillis(deadline.remainingMillis()).minus(MARGIN);
        if (budget.toMillis() < 1000) {
            throw new ReadFailure(ReadFailure.Kind.UNAVAILABLE, "too little time left to read " + object);
        }
        try (ResponseInputStream<GetObjectResponse> in = client.get()
                .getObject(r -> r.bucket(object.bucket())
                        .key(object.key())
                        .overrideConfiguration(c -> c.apiCallTimeout(budget).apiCallAttemptTimeout(budget)))) {
            Long size = in.response().contentLength();
            if (size == null || size > maxBytes) {
                in.abort();
                throw new ReadFailure(
                        ReadFailure.Kind.TOO_LARGE,
                        object + " is " + size + " bytes, more than the " + maxBytes + " left for attachments");
            }
            byte[] bytes = in.readNBytes(size.intValue());
            if (bytes.length != size) {
                throw new ReadFailure(
                        ReadFailure.Kind.UNAVAILABLE,
                        object + " ended after " + bytes.length + " of its " + size + " bytes");
            }
            return bytes;
        } catch (S3Exception e) {
            throw failure(object, e);
        } catch (SdkException | IOException e) {
            throw new ReadFailure(
                    ReadFailure.Kind.UNAVAILABLE, "cannot read " + object + " right now: " + e.getMessage());
        }
    }

    private static ReadFailure failure(Attachment.StoredObject object, S3Exception e) {
        int status = e.statusCode();
        if (status == 404) {
            return new ReadFailure(ReadFailure.Kind.MISSING, "there is no object " + object);
        }
        if (status == 403) {
            return new ReadFailure(
                    ReadFailure.Kind.FORBIDDEN, object + " does not exist or the function may not " + "read it");
        }
        if (status >= 500 || status == 429) {
            return new ReadFailure(
                    ReadFailure.Kind.UNAVAILABLE, "S3 cannot serve " + object + " right now (" + status + ")");
        }
        return new ReadFailure(ReadFailure.Kind.FORBIDDEN, "S3 refused to serve " + object + " (" + status + ")");
    }
}
