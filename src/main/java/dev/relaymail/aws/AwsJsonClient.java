package dev.relaymail.aws;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.relaymail.core.Deadline;
import dev.relaymail.http.HttpPost;
import dev.relaymail.json.JsonTrees;
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
 * Calls to an AWS service's JSON protocol (Secrets Manager, DynamoDB, EventBridge) made by the function itself: one POST over the
 * JDK's HTTP client ({@link HttpPost}), signed with Signature Version 4 ({@link SigV4}) with the keys Lambda puts in
 * the environment. A cold start makes such a call in a fraction of the time the AWS SDK's client takes just to be
 * built (it loads over a thousand classes; this, a few dozen beyond the JDK's HTTP and TLS classes, which the relay
 * connection loads anyway). Like the SDK, a call is tried up to three times, with a jittered pause, when the service
 * cannot be reached, fails or throttles, each attempt within {@link AwsClients#ATTEMPT_TIMEOUT} and the whole within
 * {@link AwsClients#CALL_TIMEOUT}.
 *
 * <p>It is used only where it can do what the SDK would ({@link #fromEnvironment}): the SDK's clients remain for
 * everything else, SnapStart among them, whose credentials come from a container endpoint instead.
 */
public final class AwsJsonClient {
    private static final int ATTEMPTS = 3;
    /** Below this much time left, no attempt is begun: it could not finish. */
    private static final Duration MIN_ATTEMPT = Duration.ofMillis(100);
    /** The regions of the partitions whose endpoints this client knows, and their domain. */
    private static final Pattern AWS_REGION =
            Pattern.compile("(?:us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\\d+" + "|us-gov-[a-z]+-\\d+");

    private static final Pattern AWS_CN_REGION = Pattern.compile("cn-[a-z]+-\\d+");
    private static final Pattern ERROR_CODE = Pattern.compile("<Code>([A-Za-z0-9.]{1,64})</Code>");

    /**
     * What tells services apart: the name requests are signed for, the endpoint's first label, the variable that
     * overrides the endpoint, the prefix of {@code X-Amz-Target} and the JSON protocol's version.
     */
    public record Service(
            String signingName,
            String endpointPrefix,
            String endpointVariable,
            String targetPrefix,
            String jsonVersion) {
        public static final Service SECRETS_MANAGER = new Service(
                "secretsmanager", "secretsmanager", "AWS_ENDPOINT_URL_SECRETS_MANAGER", "secretsmanager", "1.1");
        public static final Service DYNAMODB =
                new Service("dynamodb", "dynamodb", "AWS_ENDPOINT_URL_DYNAMODB", "DynamoDB_20120810", "1.0");
        public static final Service EVENTBRIDGE =
                new Service("events", "events", "AWS_ENDPOINT_URL_EVENTBRIDGE", "AWSEvents", "1.1");
    }

    /** A call that got no answer it could use: why, with the service's error code when it gave one. */
    public static final class CallFailed extends Exception {
        private static final long serialVersionUID = 1L;
        private final String errorCode;

        CallFailed(String detail, String errorCode) {
            super(detail);
            this.errorCode = errorCode;
        }

        /** The service's error code ({@code ConditionalCheckFailedException}, …), or empty. */
        public String errorCode() {
            return errorCode;
        }
    }

    private final Service service;
    private final URL endpoint;
    private final String host;
    private final String region;
    private final SigV4.Keys keys;
    private final Clock clock;

    public AwsJsonClient(Service service, URL endpoint, String region, SigV4.Keys keys, Clock clock) {
        this.service = service;
        this.endpoint = endpoint;
        int port = endpoint.getPort();
        // the Host header as HttpURLConnection writes it, which the signature must cover
        this.host =
                port == -1 || port == endpoint.getDefaultPort() ? endpoint.getHost() : endpoint.getHost() + ":" + port;
        this.region = region;
        this.keys = keys;
        this.clock = clock;
    }

    /**
     * A client for this environment, when it names the access keys ({@code AWS_ACCESS_KEY_ID},
     * {@code AWS_SECRET_ACCESS_KEY}, and {@code AWS_SESSION_TOKEN} if temporary) and a region in a partition whose
     * endpoints are known, or an endpoint (the service's variable or {@code AWS_ENDPOINT_URL}) with no path; and asks
     * for no FIPS or dual-stack endpoint. Otherwise empty: the SDK knows more ways.
     */
    public static Optional<AwsJsonClient> fromEnvironment(Map<String, String> env, Service service) {
        String accessKey = env.get("AWS_ACCESS_KEY_ID");
        String secretKey = env.get("AWS_SECRET_ACCESS_KEY");
        String region = env.getOrDefault("AWS_REGION", "");
        if (blank(accessKey)
                || blank(secretKey)
                || isTrue(env, "AWS_USE_FIPS_ENDPOINT")
                || isTrue(env, "AWS_USE_DUALSTACK_ENDPOINT")
                || !region.matches("[a-z]+(-[a-z]+)+-\\d+")) {
            return Optional.empty();
        }
        String configured = isTrue(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
                ? null
                : Optional.ofNullable(env.get(service.endpointVariable())).orElse(env.get("AWS_ENDPOINT_URL"));
        Optional<URL> endpoint = configured != null ? endpoint(configured) : standardEndpoint(service, region);
        String token = env.get("AWS_SESSION_TOKEN");
        SigV4.Keys keys = new SigV4.Keys(accessKey, secretKey, blank(token) ? null : token);
        return endpoint.map(url -> new AwsJsonClient(service, url, region, keys, Clock.systemUTC()));
    }

    /** Where the requests go. */
    public URL endpoint() {
        return endpoint;
    }

    /**
     * Makes the call {@code operation} with {@code body}, within {@link AwsClients#CALL_TIMEOUT} and never past
     * {@code deadline}, and gives the answer's body; an answer up to {@code maxAnswerBytes} is read.
     */
    public byte[] call(String operation, byte[] body, int maxAnswerBytes, Deadline deadline) throws CallFailed {
        return call(operation, body, maxAnswerBytes, deadline, ATTEMPTS, AwsClients.ATTEMPT_TIMEOUT);
    }

    /**
     * Makes the call once, with the whole of {@link AwsClients#CALL_TIMEOUT} (never past {@code deadline}), for a call
     * that must not be repeated: an attempt that timed out may have been taken, and a second would do it twice.
     */
    public byte[] callOnce(String operation, byte[] body, int maxAnswerBytes, Deadline deadline) throws CallFailed {
        return call(operation, body, maxAnswerBytes, deadline, 1, AwsClients.CALL_TIMEOUT);
    }

    private byte[] call(
            String operation, byte[] body, int maxAnswerBytes, Deadline deadline, int attempts, Duration attemptTimeout)
            throws CallFailed {
        Deadline call = Deadline.in(Duration.ofMillis(deadline.cap((int) AwsClients.CALL_TIMEOUT.toMillis())));
        String where = operation + " at " + host;
        String failure = null;
        String error = "";
        int attempt = 0;
        while (attempt < attempts && (attempt == 0 || pause(attempt, call))) {
            attempt++;
            int budget = call.cap((int) attemptTimeout.toMillis());
            try {
                HttpPost.Answer answer = HttpPost.send(
                        endpoint,
                        headers(operation, body),
                        body,
                        where,
                        new HttpPost.Limits(budget, budget, maxAnswerBytes),
                        budget,
                        call);
                if (answer.status() == 200) {
                    return answer.body();
                }
                error = errorCode(answer.body());
                failure = where + " answered HTTP " + answer.status() + (error.isEmpty() ? "" : " " + error);
                if (!retryable(answer.status(), error)) {
                    throw new CallFailed(failure, error);
                }
            } catch (HttpPost.Failure e) {
                failure = e.getMessage();
                error = "";
                if (!e.retryable()) {
                    throw new CallFailed(failure, error);
                }
            }
        }
        throw new CallFailed(failure + " (" + attempt + (attempt == 1 ? " attempt)" : " attempts)"), error);
    }

    /** The string values of these top-level fields of a JSON object; other fields and values are skipped. */
    public static Map<String, String> strings(byte[] json, Set<String> names) throws IOException {
        Map<String, String> found = new HashMap<>();
        try (JsonParser parser = JsonTrees.parser(json)) {
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

    /** The request's headers, signed now. */
    private Map<String, String> headers(String operation, byte[] body) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("host", host);
        headers.put("content-type", "application/x-amz-json-" + service.jsonVersion());
        headers.put("x-amz-target", service.targetPrefix() + "." + operation);
        headers.put(SigV4.DATE_HEADER, SigV4.amzDate(clock.instant()));
        if (keys.sessionToken() != null) {
            headers.put(SigV4.TOKEN_HEADER, keys.sessionToken());
        }
        String authorization = SigV4.authorization("POST", headers, body, keys, region, service.signingName());
        headers.remove("host"); // HttpURLConnection writes it, and refuses it as a request property
        headers.put("authorization", authorization);
        return headers;
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

    /** Worth another try: the service failed or throttled. */
    private static boolean retryable(int status, String error) {
        return status >= 500
                || status == 429
                || error.contains("Throttl")
                || error.equals("TooManyRequestsException")
                || error.equals("RequestLimitExceeded")
                || error.equals("ProvisionedThroughputExceededException");
    }

    /**
     * Waits a jittered pause, growing with the attempts made, before another attempt, if the call has time for it and
     * for the attempt.
     */
    private static boolean pause(int attemptsMade, Deadline call) {
        long pause = ThreadLocalRandom.current().nextLong(50L << (attemptsMade - 1), 100L << (attemptsMade - 1));
        if (!call.allows(Duration.ofMillis(pause).plus(MIN_ATTEMPT))) {
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
            boolean bare = (uri.getRawPath() == null
                            || uri.getRawPath().isEmpty()
                            || uri.getRawPath().equals("/"))
                    && uri.getRawQuery() == null
                    && uri.getRawUserInfo() == null
                    && uri.getRawFragment() == null;
            if (!bare
                    || uri.getHost() == null
                    || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))) {
                return Optional.empty();
            }
            return Optional.of(uri.resolve("/").toURL());
        } catch (URISyntaxException | MalformedURLException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static Optional<URL> standardEndpoint(Service service, String region) {
        String domain = AWS_REGION.matcher(region).matches()
                ? "amazonaws.com"
                : AWS_CN_REGION.matcher(region).matches() ? "amazonaws.com.cn" : null;
        return domain == null
                ? Optional.empty()
                : endpoint("https://" + service.endpointPrefix() + "." + region + "." + domain);
    }

    private static boolean isTrue(Map<String, String> env, String name) {
        return "true".equalsIgnoreCase(env.getOrDefault(name, "").strip());
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }
}
