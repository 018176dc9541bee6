package dev.relaymail.aws;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/**
 * For the bench only (bench/signer.py), never in the function: the function's {@code SigV4} with the same signature,
 * but the {@code Authorization} header computed by the AWS SDK's {@link AwsV4HttpSigner}. Put ahead of the function's
 * classes on the class path, it makes the function's own {@code AwsJsonClient} send the very same request signed by
 * the SDK, everything else unchanged. The SDK signs one header more, {@code x-amz-content-sha256} (the body's hash):
 * this adds it to the function's headers, a map the function then sends, so that the request is the SDK's exactly. It
 * refuses to sign when the SDK would sign any other header than the function sends.
 */
public final class SigV4 {
    static final String DATE_HEADER = "x-amz-date";
    static final String TOKEN_HEADER = "x-amz-security-token";
    private static final String CONTENT_HASH_HEADER = "x-amz-content-sha256";
    private static final DateTimeFormatter AMZ_DATE =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    /** As the function's. */
    public record Keys(String accessKeyId, String secretAccessKey, String sessionToken) {
        public Keys {
            Objects.requireNonNull(accessKeyId, "accessKeyId");
            Objects.requireNonNull(secretAccessKey, "secretAccessKey");
        }

        @Override
        public String toString() {
            return "Keys[" + accessKeyId + "]";
        }
    }

    private SigV4() {}

    static String amzDate(Instant now) {
        return AMZ_DATE.format(now);
    }

    static String authorization(
            String method, Map<String, String> headers, byte[] body, Keys keys, String region, String service) {
        Map<String, String> given = new TreeMap<>();
        headers.forEach((name, value) -> given.put(name.toLowerCase(Locale.ROOT), value));
        Instant now = AMZ_DATE.parse(given.get(DATE_HEADER), Instant::from);
        SdkHttpRequest.Builder unsigned = SdkHttpRequest.builder()
                .method(SdkHttpMethod.fromValue(method))
                .uri(URI.create("https://" + given.get("host") + "/"));
        given.forEach((name, value) -> {
            if (!name.equals("host") && !name.equals(DATE_HEADER) && !name.equals(TOKEN_HEADER)) {
                unsigned.putHeader(name, value);
            }
        });
        AwsCredentialsIdentity identity = keys.sessionToken() == null
                ? AwsCredentialsIdentity.create(keys.accessKeyId(), keys.secretAccessKey())
                : AwsSessionCredentialsIdentity.create(keys.accessKeyId(), keys.secretAccessKey(), keys.sessionToken());
        SignedRequest signed = AwsV4HttpSigner.create()
                .sign(r -> r.identity(identity)
                        .request(unsigned.build())
                        .payload(ContentStreamProvider.fromByteArray(body))
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
                        .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                        .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(now, ZoneOffset.UTC)));
        Map<String, String> sent = new TreeMap<>();
        signed.request().forEachHeader((name, values) -> sent.put(name.toLowerCase(Locale.ROOT), values.get(0)));
        String authorization = sent.remove("authorization");
        // the SDK signs the body's hash in a header of its own: sent too (the function's map is the caller's, mutable)
        String contentHash = sent.remove(CONTENT_HASH_HEADER);
        if (contentHash == null || !sent.equals(given)) {
            throw new IllegalStateException(
                    "the SDK signed other headers: " + sent.keySet() + " for " + given.keySet());
        }
        headers.put(CONTENT_HASH_HEADER, contentHash);
        return authorization;
    }
}
