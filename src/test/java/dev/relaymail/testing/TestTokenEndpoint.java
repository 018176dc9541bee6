package dev.relaymail.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An OAuth2 token endpoint in the test process: the JDK's HTTP server on the loopback address, plain http (which the
 * function accepts there only) or https with one of the relay's test certificates. It answers the client-credentials
 * grant with a new token each time, records every request as received, and can be told to answer otherwise. Told to
 * {@link #trust(ServiceAccountKey)} a service account, it takes the JWT bearer grant only, as Google's does: an
 * assertion that fails a check gets {@code 400 invalid_grant}.
 */
public final class TestTokenEndpoint implements AutoCloseable {

    /** One request: its method, content type and form fields as decoded. */
    public record Request(String method, String contentType, Map<String, String> form) {}

    private final HttpServer server;
    private final String prefix = "at-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<String> issued = new CopyOnWriteArrayList<>();
    private volatile long expiresIn = 3600;
    private volatile int status = 200;
    private volatile String body;
    private volatile ServiceAccountKey serviceAccount;
    private volatile String refreshToken;
    private volatile Duration stall = Duration.ZERO;
    private volatile Duration drip = Duration.ZERO;
    private volatile int dripBytes = Integer.MAX_VALUE;
    private volatile URI location;
    private volatile boolean closed;
    private final List<JsonNode> claims = new CopyOnWriteArrayList<>();

    private TestTokenEndpoint(HttpServer server) {
        this.server = server;
        server.createContext("/tenant/oauth2/v2.0/token", this::answer);
        server.start();
    }

    /** An endpoint over plain http. */
    public static TestTokenEndpoint start() {
        try {
            return new TestTokenEndpoint(HttpServer.create(loopback(), 0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An endpoint over https, presenting the relay's test certificate of that kind (for localhost and 127.0.0.1). */
    public static TestTokenEndpoint https(TestRelay.Certificate certificate) {
        try {
            HttpsServer server = HttpsServer.create(loopback(), 0);
            server.setHttpsConfigurator(new HttpsConfigurator(TestRelay.sslContext(certificate)));
            return new TestTokenEndpoint(server);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InetSocketAddress loopback() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    /** Where the token endpoint is, in the form Microsoft's has. */
    public URI uri() {
        return URI.create((server instanceof HttpsServer ? "https" : "http") + "://127.0.0.1:"
                + server.getAddress().getPort() + "/tenant/oauth2/v2.0/token");
    }

    /** The lifetime the next tokens are given ({@code expires_in}). */
    public TestTokenEndpoint expiresIn(long seconds) {
        expiresIn = seconds;
        return this;
    }

    /** From now on, answer with this status and body instead of issuing tokens. */
    public TestTokenEndpoint answer(int statusCode, String answerBody) {
        status = statusCode;
        body = answerBody;
        return this;
    }

    /** From now on, wait this long after the headers before writing each answer's body, as a stuck endpoint does. */
    public TestTokenEndpoint stall(Duration time) {
        stall = time;
        return this;
    }

    /** From now on, answer with this redirect status and a {@code Location} of {@code target}, and no token. */
    public TestTokenEndpoint redirect(int statusCode, URI target) {
        location = target;
        return answer(statusCode, "");
    }

    /**
     * From now on, write each answer's body one byte at a time, waiting this long before each: every byte comes well
     * within a socket's read timeout, the whole body does not.
     */
    public TestTokenEndpoint drip(Duration every) {
        drip = every;
        return this;
    }

    /**
     * From now on, write only the first {@code bytes} bytes of each answer's body as {@link #drip} does, and then
     * nothing more, as an endpoint that stops in the middle of its answer.
     */
    public TestTokenEndpoint dripThenStop(Duration every, int bytes) {
        dripBytes = bytes;
        return drip(every);
    }

    /** From now on, take only JWT bearer assertions signed by this service account. */
    public TestTokenEndpoint trust(ServiceAccountKey account) {
        serviceAccount = account;
        return this;
    }

    /**
     * From now on, take only the refresh-token grant with this refresh token, and answer each with a new refresh
     * token too, as Microsoft's endpoint does (Google's does not); anything else is an {@code invalid_grant}.
     */
    public TestTokenEndpoint refreshable(String token) {
        refreshToken = token;
        return this;
    }

    /** The claims of the assertions taken so far, in order. */
    public List<JsonNode> claims() {
        return List.copyOf(claims);
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** The tokens issued so far, in order. */
    public List<String> issued() {
        return List.copyOf(issued);
    }

    private void answer(HttpExchange exchange) throws IOException {
        String form = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.US_ASCII);
        Request request = new Request(
                exchange.getRequestMethod(), exchange.getRequestHeaders().getFirst("Content-Type"), decode(form));
        requests.add(request);
        int code = status;
        String answer = body;
        if (answer == null && serviceAccount != null && !assertionTaken(request.form())) {
            code = 400;
            answer = "{\"error\": \"invalid_grant\", \"error_description\": \"Invalid JWT Signature.\"}";
        }
        boolean refresh = refreshToken != null;
        if (answer == null
                && refresh
                && !("refresh_token".equals(request.form().get("grant_type"))
                        && refreshToken.equals(request.form().get("refresh_token")))) {
            code = 400;
            answer = "{\"error\": \"invalid_grant\", \"error_description\": \"Token has been expired or revoked.\"}";
        }
        if (answer == null) {
            String token = prefix + (issued.size() + 1);
            issued.add(token);
            answer = "{\"token_type\": \"Bearer\", \"expires_in\": " + expiresIn + ", \"ext_expires_in\": "
                    + expiresIn + ", \"access_token\": \"" + token + "\""
                    + (refresh ? ", \"refresh_token\": \"rotated-" + token + "\"" : "") + "}";
        }
        byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        if (location != null) {
            exchange.getResponseHeaders().set("Location", location.toString());
        }
        exchange.sendResponseHeaders(code, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.flush();
            pause(stall);
            Duration every = drip;
            if (every.isZero()) {
                out.write(bytes);
                return;
            }
            for (int i = 0; i < bytes.length && !closed; i++) {
                pause(every);
                if (i == dripBytes) {
                    // longer than any read timeout a test gives the client, and over as soon as the test closes this
                    for (int waited = 0; waited < 100 && !closed; waited++) {
                        pause(Duration.ofMillis(100));
                    }
                    return;
                }
                out.write(bytes[i]);
                out.flush();
            }
        }
    }

    private static void pause(Duration time) {
        try {
            Thread.sleep(time.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean assertionTaken(Map<String, String> form) {
        if (!"urn:ietf:params:oauth:grant-type:jwt-bearer".equals(form.get("grant_type"))) {
            return false;
        }
        try {
            claims.add(serviceAccount.verify(
                    form.getOrDefault("assertion", ""), uri(), System.currentTimeMillis() / 1000));
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static Map<String, String> decode(String form) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String pair : form.split("&")) {
            String[] nameValue = pair.split("=", 2);
            fields.put(
                    URLDecoder.decode(nameValue[0], StandardCharsets.UTF_8),
                    nameValue.length > 1 ? URLDecoder.decode(nameValue[1], StandardCharsets.UTF_8) : "");
        }
        return fields;
    }

    @Override
    public void close() {
        closed = true;
        server.stop(0);
    }
}
