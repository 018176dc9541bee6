package dev.relaymail.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relaymail.core.RetryLaterException;
import dev.relaymail.testing.Moto;
import dev.relaymail.testing.SteppingClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** Templates in moto_server's S3: cached for the TTL, used past it while S3 fails, 503 when nothing is cached. */
class S3TemplatesIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final S3Client s3 = Moto.s3();
    private final String bucket = Moto.bucket("templates");
    private final SteppingClock clock = new SteppingClock(Instant.parse("2026-11-26T10:00:00Z"));
    private final MustacheTemplates templates = new MustacheTemplates(
            List.of(new S3Templates(() -> s3, bucket, "templates/"), new BundledTemplates()),
            Duration.ofMinutes(5),
            clock);

    private void put(String name, String subject) {
        s3.putObject(
                r -> r.bucket(bucket).key("templates/" + name + "/subject.mustache"), RequestBody.fromString(subject));
        s3.putObject(
                r -> r.bucket(bucket).key("templates/" + name + "/html.mustache"),
                RequestBody.fromString("<p>{{name}}</p>"));
    }

    private String subject(String name) throws Exception {
        ObjectNode data = JSON.createObjectNode()
                .put("name", "Ada")
                .put("product", "Acme")
                .put("email", "a@b.c")
                .put("loginUrl", "https://example.com/");
        return templates.render(name, data).subject();
    }

    @Test
    void keepsATemplateForTheTtlThenReadsItAgain() throws Exception {
        put("news", "Version 1 for {{name}}");
        assertEquals("Version 1 for Ada", subject("news"));

        put("news", "Version 2 for {{name}}");
        clock.advance(Duration.ofMinutes(4));
        assertEquals("Version 1 for Ada", subject("news"));

        clock.advance(Duration.ofMinutes(2));
        assertEquals("Version 2 for Ada", subject("news"));
    }

    @Test
    void fallsBackToTheBundledTemplateWhenTheBucketHasNone() throws Exception {
        assertEquals("Welcome to Acme, Ada\n", subject("welcome"));
    }

    @Test
    void usesTheLoadedTemplatePastItsTtlWhileS3FailsAndAsksForARetryWhenNothingIsLoaded() throws Exception {
        put("news", "Cached for {{name}}");
        assertEquals("Cached for Ada", subject("news"));
        s3.listObjectsV2(r -> r.bucket(bucket))
                .contents()
                .forEach(o -> s3.deleteObject(r -> r.bucket(bucket).key(o.key())));
        s3.deleteBucket(r -> r.bucket(bucket));
        clock.advance(Duration.ofMinutes(10));

        assertEquals("Cached for Ada", subject("news"));
        RetryLaterException e = assertThrows(RetryLaterException.class, () -> subject("welcome"));
        assertEquals("storage_unavailable", e.code());
    }
}
