package dev.relaymail.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relaymail.json.JsonTrees;
import java.util.LinkedHashMap;
import java.util.Map;

/** An answer for API Gateway; both payload formats take the same shape for a proxy response. */
record HttpAnswer(int status, Map<String, String> headers, JsonNode body) {

    HttpAnswer {
        headers = Map.copyOf(headers);
    }

    static HttpAnswer json(int status, String contentType, JsonNode body) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", contentType);
        headers.put("Cache-Control", "no-store");
        return new HttpAnswer(status, headers, body);
    }

    HttpAnswer withHeader(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(headers);
        more.put(name, value);
        return new HttpAnswer(status, more, body);
    }

    /** {@code {"statusCode", "headers", "body", "isBase64Encoded"}}, the body as a JSON string. */
    JsonNode toEvent() {
        ObjectNode event = JsonNodeFactory.instance.objectNode();
        event.put("statusCode", status);
        ObjectNode headerNode = event.putObject("headers");
        headers.forEach(headerNode::put);
        event.put("body", JsonTrees.text(body));
        event.put("isBase64Encoded", false);
        return event;
    }
}
