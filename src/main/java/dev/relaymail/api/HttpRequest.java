package dev.relaymail.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The parts of an API Gateway proxy event the function uses, converted at the edge from either payload format:
 * REST API (format 1.0) or HTTP API (format 2.0). Header names are lower-cased.
 */
record HttpRequest(String method, String path, Map<String, String> headers, byte[] body) {

    HttpRequest {
        headers = Map.copyOf(headers);
    }

    static HttpRequest fromRestEvent(JsonNode event) {
        return new HttpRequest(
                event.path("httpMethod").asText(""),
                event.path("path").asText(""),
                headers(event.path("headers")),
                body(event));
    }

    static HttpRequest fromHttpApiEvent(JsonNode event) {
        return new HttpRequest(
                event.path("requestContext").path("http").path("method").asText(""),
                event.path("rawPath").asText(""),
                headers(event.path("headers")),
                body(event));
    }

    /** {@code POST …/messages/batch}: several messages in one request. */
    boolean batch() {
        return path.endsWith("/batch");
    }

    Optional<String> header(String name) {
        return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
    }

    private static Map<String, String> headers(JsonNode node) {
        Map<String, String> headers = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> header = it.next();
            if (header.getValue().isTextual()) {
                headers.put(
                        header.getKey().toLowerCase(Locale.ROOT),
                        header.getValue().textValue());
            }
        }
        return headers;
    }

    private static byte[] body(JsonNode event) {
        JsonNode body = event.path("body");
        if (!body.isTextual()) {
            return new byte[0];
        }
        if (event.path("isBase64Encoded").asBoolean(false)) {
            try {
                return Base64.getMimeDecoder().decode(body.textValue());
            } catch (IllegalArgumentException e) {
                return new byte[0];
            }
        }
        return body.textValue().getBytes(StandardCharsets.UTF_8);
    }
}
