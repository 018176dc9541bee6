package dev.relaymail.secrets;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.relaymail.config.AwsClients;
import dev.relaymail.core.Deadline;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the secret with one request of the function's own: Secrets Manager's {@code GetSecretValue} over the JDK's
 * HTTP client ({@link HttpPost}), signed with Signature Version 4 ({@link SigV4}) with the keys Lambda puts in the
 * environment. A cold start reads the secret this way in about a quarter of the time the AWS SDK's client takes just
 * to be built (it loads over a thousand classes; this, a few dozen beyond the JDK's HTTP and TLS classes, which the
 * relay connection loads anyway). Like the SDK, it tries up to three times, with a jittered pause, when the service
 * cannot be reached, fails or throttles, each attempt within {@link AwsClients#ATTEMPT_TIMEOUT} and the whole within
 * {@link AwsClients#CALL_TIMEOUT}.
 *
 * <p>It is used only where it can do what the SDK would ({@link #fromEnvironment}): the SDK's client remains for
 * everything else, SnapStart among them, whose credentials come from a container endpoint instead.
 */
public final class SignedSecretReader implements SecretReader {
    private static final String SERVICE = "secretsmanager";
    private static final int ATTEMPTS = 3;
    /** A secret's string is at most 64 KiB; escaped in a JSON answer with its metadata, it can take more. */
    private static final int MAX_ANSWER_BYTES = 512 * 1024;
    /** The regions of the partitions whose endpoints this reader knows, and their domain. */
    private static final Pattern AWS_REGION = Pattern.compile("(?:us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\\d+"
            + "|us-gov-[a-z]+-\\d+");
    private static final Pattern AWS_CN_REGION = Pattern.compile("cn-[a-z]+-\\d+");
    private static final Pattern ERROR_CODE = Pattern.compile("<Code>([A-Za-z0-9.]{1,64})</Code>");
    /**
     * Jackson's streaming parser alone: the request goes out and its answer is read without waiting for Jackson's
     * object mapper, which a cold start is loading meanwhile on other threads.
     */
    private static final JsonFactory JSON = new JsonFactory();

    private final URL endpoint;
    private final String host;
    private final String region;
    private final SigV4.Keys keys;
    private final Clock clock;

    SignedSecretReader(URL endpoint, String region, SigV4.Keys keys, Clock clock) {
        this.endpoint = endpoint;
        int port = endpoint.getPort();
        // the Host header as HttpURLConnection writes it, which the signature must cover
        this.host = port == -1 || port == endpoint.getDefaultPort() ? endpoint.getHost()
                : endpoint.getHost() + ":" + port;
        this.region = region;
        this.keys = keys;
        this.clock = clock;
    }

    /**
     * A reader for this environment, when it names the access keys ({@code AWS_ACCESS_KEY_ID},
     * {@code AWS_SECRET_ACCESS_KEY}, and {@code AWS_SESSION_TOKEN} if temporary) and a region in a partition whose
     * endpoints are known, or an endpoint ({@code AWS_ENDPOINT_URL_SECRETS_MANAGER} or {@code AWS_ENDPOINT_URL}) with
     * no path; and asks for no FIPS or dual-stack endpoint. Otherwise empty: the SDK knows more ways.
     */
    static Optional<SignedSecretReader> fromEnvironment(Map<String, String> env) {
        String accessKey = env.get("AWS_ACCESS_KEY_ID");
        String secretKey = env.get("AWS_SECRET_ACCESS_KEY");
        String region = env.getOrDefault("AWS_REGION", "");
        if (blank(accessKey) || blank(secretKey) || isTrue(env, "AWS_USE_FIPS_ENDPOINT")
                || isTrue(env, "AWS_USE_DUALSTACK_ENDPOINT") || !region.matches("[a-z]+(-[a-z]+)+-\\d+")) {
            return Optional.empty();
        }
        String configured = isTrue(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") ? null
                : Optional.ofNullable(env.get("AWS_ENDPOINT_URL_SECRETS_MANAGER")).orElse(env.get("AWS_ENDPOINT_URL"));
        Optional<URL> endpoint = configured != null ? endpoint(configured) : standardEndpoint(region);
        String token = env.get("AWS_SESSION_TOKEN");
        SigV4.Keys keys = new SigV4.Keys(accessKey, secretKey, blank(token) ? null : token);
        return endpoint.map(url -> new SignedSecretReader(url, region, keys, Clock.systemUTC()));
    }

    /** Where the requests go. */
    URL endpoint() {
        return endpoint;
    }

    @Override
    public SecretValue read(String secretId, Deadline deadline) throws Unreadable {
        Deadline call = Deadline.in(Duration.ofMillis(deadline.cap((int) AwsClients.CALL_TIMEOUT.toMillis())));
        byte[] body = ("{\"SecretId\":\"" + new String(JsonStringEncoder.getInstance().quoteAsString(secretId))
                + "\"}").getBytes(StandardCharsets.UTF_8);
        String where = "Secrets Manager at " + host;
        String failure = null;
        int attempt = 0;
        while (attempt < ATTEMPTS && (attempt == 0 || pause(attempt, call))) {
            attempt++;
            int budget = call.cap((int) AwsClients.ATTEMPT_TIMEOUT.toMillis());
            try {
                HttpPost.Answer answer = HttpPost.send(endpoint, headers(body), body, where,
                        new HttpPost.Limits(budget, budget, MAX_ANSWER_BYTES), budget, call);
                if (answer.status() == 200) {
                    return value(answer.body(), where);
                }
                String error = errorCode(answer.body());
                failure = where + " answered HTTP " + answer.status() + (error.isEmpty() ? "" : " " + error);
                if (!retryable(answer.status(), error)) {
                    throw new Unreadable(failure);
                }
            } catch (HttpPost.Failure e) {
                failure = e.getMessage();
                if (!e.retryable()) {
                    throw new Unreadable(failure);
                }
            }
        }
        throw new Unreadable(failure + " (" + attempt + (attempt == 1 ? " attempt)" : " attempts)"));
    }

    /** The request's headers, signed now. */
    private Map<String, String> headers(byte[] body) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("host", host);
        headers.put("content-type", "application/x-amz-json-1.1");
        headers.put("x-amz-target", "secretsmanager.GetSecretValue");
        headers.put(SigV4.DATE_HEADER, SigV4.amzDate(clock.instant()));
        if (keys.sessionToken() != null) {
            headers.put(SigV4.TOKEN_HEADER, keys.sessionToken());
        }
        String authorization = SigV4.authorization("POST", headers, body, keys, region, SERVICE);
        headers.remove("host"); // HttpURLConnection writes it, and refuses it as a request property
        headers.put("authorization", authorization);
        return headers;
    }

    private static SecretValue value(byte[] answer, String where) throws Unreadable {
        try {
            Map<String, String> fields = strings(answer, Set.of("SecretString", "VersionId"));
            return new SecretValue(fields.get("SecretString"), fields.get("VersionId"));
        } catch (IOException e) {
            throw new Unreadable(where + " answered with something that is not JSON");
        }
    }

    /**
     * The error's code: the JSON protocol's {@code __type} (without its namespace), or an XML error's {@code Code};
     * never its message, which can repeat what was sent.
     */
    private static String errorCode(byte[] answer) {
        try {
            String type = strings(answer, Set.of("__type")).getOrDefault("__type", "");
            String code = type.substring(type.indexOf('#') + 1);
            return code.matches("[A-Za-z0-9.]{1,64}") ? code : "";
        } catch (IOException e) {
            Matcher xml = ERROR_CODE.matcher(new String(answer, StandardCharsets.UTF_8));
            return xml.find() ? xml.group(1) : "";
        }
    }

    /** The string values of these top-level fields of a JSON object; other fields and values are skipped. */
    private static Map<String, String> strings(byte[] json, Set<String> names) throws IOException {
        Map<String, String> found = new HashMap<>();
        try (JsonParser parser = JSON.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a JSON object");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                if (parser.nextToken() == JsonToken.VALUE_STRING && names.contains(name)) {
                    found.put(name, parser.getText());
                } else {
                    parser.skipChildren();
                }
            }
        }
        return found;
    }

    /** Worth another try: the service failed or throttled. */
    private static boolean retryable(int status, String error) {
        return status >= 500 || status == 429 || error.contains("Throttl") || error.equals("TooManyRequestsException")
                || error.equals("RequestLimitExceeded");
    }

    /**
     * Waits a jittered pause, growing with the attempts made, before another attempt, if the call has time for it and
     * for the attempt.
     */
    private static boolean pause(int attemptsMade, Deadline call) {
        long pause = ThreadLocalRandom.current().nextLong(50L << (attemptsMade - 1), 100L << (attemptsMade - 1));
        if (!call.allows(Duration.ofMillis(pause).plus(SecretsManagerCredentials.MIN_TIME))) {
            return false;
        }
        try {
            Thread.sleep(pause);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Optional<URL> endpoint(String configured) {
        try {
            URI uri = new URI(configured);
            boolean bare = (uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/"))
                    && uri.getRawQuery() == null && uri.getRawUserInfo() == null && uri.getRawFragment() == null;
            if (!bare || uri.getHost() == null || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))) {
                return Optional.empty();
            }
            return Optional.of(uri.resolve("/").toURL());
        } catch (URISyntaxException | MalformedURLException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static Optional<URL> standardEndpoint(String region) {
        String domain = AWS_REGION.matcher(region).matches() ? "amazonaws.com"
                : AWS_CN_REGION.matcher(region).matches() ? "amazonaws.com.cn" : null;
        return domain == null ? Optional.empty() : endpoint("https://" + SERVICE + "." + region + "." + domain);
    }

    private static boolean isTrue(Map<String, String> env, String name) {
        return "true".equalsIgnoreCase(env.getOrDefault(name, "").strip());
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }
}
