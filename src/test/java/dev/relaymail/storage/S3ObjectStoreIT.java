package dev.relaymail.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relaymail.core.Attachment.StoredObject;
import dev.relaymail.core.Deadline;
import dev.relaymail.core.ObjectStore.ReadFailure;
import dev.relaymail.testing.Moto;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
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
        ReadFailure tooLarge =
                assertThrows(ReadFailure.class, () -> store.read(new StoredObject(bucket, "a/b.txt"), 11, plenty));
        assertEquals(ReadFailure.Kind.TOO_LARGE, tooLarge.kind());
    }

    @Test
    void saysWhenTheObjectOrItsBucketIsMissing() {
        assertEquals(
                ReadFailure.Kind.MISSING,
                assertThrows(ReadFailure.class, () -> store.read(new StoredObject(bucket, "none"), 100, plenty))
                        .kind());
        assertEquals(
                ReadFailure.Kind.MISSING,
                assertThrows(
                                ReadFailure.class,
                                () -> store.read(new StoredObject("no-such-bucket-here", "none"), 100, plenty))
                        .kind());
    }

    @Test
    void anUnreachableS3IsUnavailableNotMissing() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        S3Client unreachable = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.create())
                .endpointOverride(URI.create("http://127.0.0.1:" + closedPort))
                .build();

        ReadFailure failure = assertThrows(
                ReadFailure.class,
                () -> new S3ObjectStore(() -> unreachable).read(new StoredObject(bucket, "a"), 100, plenty));

        assertEquals(ReadFailure.Kind.UNAVAILABLE, failure.kind());
        assertTrue(
                failure.getMessage().startsWith("cannot read s3://" + bucket + "/a right now"), failure.getMessage());
    }

    /**
     * An S3 whose answer ends before the length it announced (a connection cut in the middle of the object) gives
     * no attachment: the read is unavailable, to be tried again, and never a truncated file.
     */
    @Test
    void anObjectCutOffInTheMiddleIsUnavailableNotShort() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread cutting = new Thread(() -> answerCutOff(server, 100, 40), "s3-cut-off");
            cutting.setDaemon(true);
            cutting.start();
            S3Client cutOff = S3Client.builder()
                    .httpClient(UrlConnectionHttpClient.create())
                    .forcePathStyle(true)
                    .endpointOverride(URI.create("http://127.0.0.1:" + server.getLocalPort()))
                    .build();

            ReadFailure failure = assertThrows(
                    ReadFailure.class,
                    () -> new S3ObjectStore(() -> cutOff).read(new StoredObject(bucket, "report.pdf"), 1000, plenty));

            assertEquals(ReadFailure.Kind.UNAVAILABLE, failure.kind(), failure.getMessage());
            assertEquals("s3://" + bucket + "/report.pdf ended after 40 of its 100 bytes", failure.getMessage());
        }
    }

    /** Answers every request with a {@code Content-Length} of {@code announced} and only {@code sent} bytes. */
    private static void answerCutOff(ServerSocket server, int announced, int sent) {
        while (!server.isClosed()) {
            try (Socket socket = server.accept()) {
                BufferedReader request =
                        new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
                for (String line = request.readLine(); line != null && !line.isEmpty(); line = request.readLine()) {
                    // the request's headers; what it asks for does not matter
                }
                OutputStream out = socket.getOutputStream();
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nContent-Length: " + announced
                                + "\r\nETag: \"cut\"\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.write(new byte[sent]);
                out.flush();
            } catch (IOException e) {
                // closed by the test, or the client hung up
            }
        }
    }

    @Test
    void doesNotStartAReadWithoutTimeToFinishIt() {
        ReadFailure failure = assertThrows(
                ReadFailure.class,
                () -> store.read(new StoredObject(bucket, "a"), 100, Deadline.in(Duration.ofSeconds(3))));
        assertEquals(ReadFailure.Kind.UNAVAILABLE, failure.kind());
    }
}
