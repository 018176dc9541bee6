package dev.relaymail.aws;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * AWS Signature Version 4 for one request to the root path with no query string, as the AWS JSON protocols send them
 * (the steps of the IAM guide's "Create a signed AWS API request"): a canonical request over every header given, the
 * string to sign for the day's scope, and the signature with the key derived from the secret access key.
 *
 * <p>Hand-made, though the AWS SDK's own signer ({@code AwsV4HttpSigner}) is on the class path, because it was measured
 * to make the cold start slower: signing the very same request, the SDK's signer alone loads more than a hundred of
 * the SDK's classes (its own request model, identities, checksum and payload-signing machinery) and starts its
 * logging facade, and the JVM that only reads the secret took measurably more CPU time and longer with it
 * ({@code bench/signer.py}, figures in {@code bench/signer.md}). This does the same with the JDK's digest and MAC
 * alone. {@code SigV4Test} checks it against the SDK's signer on the function's requests.
 */
public final class SigV4 {
    static final String DATE_HEADER = "x-amz-date";
    static final String TOKEN_HEADER = "x-amz-security-token";
    private static final String ALGORITHM = "AWS4-HMAC-SHA256";
    private static final DateTimeFormatter AMZ_DATE =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final HexFormat HEX = HexFormat.of();

    /** The signing identity: an access key pair and, for temporary credentials, a session token (else null). */
    public record Keys(String accessKeyId, String secretAccessKey, String sessionToken) {
        public Keys {
            Objects.requireNonNull(accessKeyId, "accessKeyId");
            Objects.requireNonNull(secretAccessKey, "secretAccessKey");
        }

        /** Names the access key only: the secret key and the token stay out of every log and error. */
        @Override
        public String toString() {
            return "Keys[" + accessKeyId + "]";
        }
    }

    private SigV4() {}

    /** The {@code X-Amz-Date} value for {@code now}. */
    static String amzDate(Instant now) {
        return AMZ_DATE.format(now);
    }

    /**
     * The {@code Authorization} header for a request with these {@code headers} (every one signed; they must include
     * {@code host} and {@link #DATE_HEADER}, and {@link #TOKEN_HEADER} with temporary credentials) and {@code body}.
     */
    static String authorization(
            String method, Map<String, String> headers, byte[] body, Keys keys, String region, String service) {
        SortedMap<String, String> signed = new TreeMap<>();
        headers.forEach((name, value) ->
                signed.put(name.toLowerCase(Locale.ROOT), value.strip().replaceAll(" +", " ")));
        String amzDate = Objects.requireNonNull(signed.get(DATE_HEADER), DATE_HEADER);
        if (!signed.containsKey("host")) {
            throw new IllegalArgumentException("the host header must be signed");
        }
        StringBuilder canonical = new StringBuilder(method).append("\n/\n\n");
        signed.forEach((name, value) ->
                canonical.append(name).append(':').append(value).append('\n'));
        String signedHeaders = String.join(";", signed.keySet());
        canonical.append('\n').append(signedHeaders).append('\n').append(HEX.formatHex(sha256(body)));

        String day = amzDate.substring(0, 8);
        String scope = day + "/" + region + "/" + service + "/aws4_request";
        String toSign = ALGORITHM + "\n" + amzDate + "\n" + scope + "\n"
                + HEX.formatHex(sha256(canonical.toString().getBytes(StandardCharsets.UTF_8)));
        byte[] key = hmac(("AWS4" + keys.secretAccessKey()).getBytes(StandardCharsets.UTF_8), day);
        for (String part : new String[] {region, service, "aws4_request"}) {
            key = hmac(key, part);
        }
        return ALGORITHM + " Credential=" + keys.accessKeyId() + "/" + scope + ", SignedHeaders=" + signedHeaders
                + ", Signature=" + HEX.formatHex(hmac(key, toSign));
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JVM has HmacSHA256", e);
        }
    }
}
