package dev.relaymail.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relaymail.core.Attachment.StoredObject;
import dev.relaymail.core.Deadline;
import dev.relaymail.core.ObjectStore.ReadFailure;
import dev.relaymail.testing.Moto;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.s3.S3Client;

/** Reading attachments from moto_server's S3, and from an S3 that cannot be reached. */
class S3ObjectStoreIT {
    private final S3Client s3 = Moto.s3();
    private final String bucket = Moto.bucket("objects");
    private final S3ObjectStore store = new S3ObjectStore(() -> s3);
    private final Deadline plenty = Deadline.in(Duration.ofSeconds(20));

    @Test
    void readsAnObjectUpToTheLimit() throws Exception {
        s3.putObject(r -> r.bucket(bucket).key("a/b.txt"), RequestBody.fromString("twelve bytes"));

        assertArrayEquals("twelve bytes".getBytes(), store.read(new StoredObject(bucket, "a/b.txt"), 12, plenty));
        ReadFailure tooLarge = assertThrows(ReadFailure.class,
                () -> store.read(new StoredObject(bucket, "a/b.txt"), 11, plenty));
        assertEquals(ReadFailure.Kind.TOO_LARGE, tooLarge.kind());
    }

    @Test
    void saysWhenTheObjectOrItsBucketIsMissing() {
        assertEquals(ReadFailure.Kind.MISSING, assertThrows(ReadFailure.class,
                () -> store.read(new StoredObject(bucket, "none"), 100, plenty)).kind());
        assertEquals(ReadFailure.Kind.MISSING, assertThrows(ReadFailure.class,
                () -> store.read(new StoredObject("no-such-bucket-here", "none"), 100, plenty)).kind());
    }

    @Test
    void anUnreachableS3IsUnavailableNotMissing() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        S3Client unreachable = S3Client.builder().httpClient(UrlConnectionHttpClient.create())
                .endpointOverride(URI.create("http://127.0.0.1:" + closedPort)).build();

        ReadFailure failure = assertThrows(ReadFailure.class, () -> new S3ObjectStore(() -> unreachable)
                .read(new StoredObject(bucket, "a"), 100, plenty));

        assertEquals(ReadFailure.Kind.UNAVAILABLE, failure.kind());
        assertTrue(failure.getMessage().startsWith("cannot read s3://" + bucket + "/a right now"), failure.getMessage());
    }

    @Test
    void doesNotStartAReadWithoutTimeToFinishIt() {
        ReadFailure failure = assertThrows(ReadFailure.class, () -> store.read(new StoredObject(bucket, "a"), 100,
                Deadline.in(Duration.ofSeconds(3))));
        assertEquals(ReadFailure.Kind.UNAVAILABLE, failure.kind());
    }
}
