package dev.relaymail.json;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * JSON trees ({@link JsonNode}) read and written with Jackson's streaming parser and generator alone. Jackson's
 * {@code ObjectMapper} reads and writes the same trees, but making one costs a cold start measurable CPU (its
 * serializer and deserializer factories, type and annotation introspection), none of which a tree needs; and
 * {@code JsonNode.toString()} makes one of its own, so the trees the function sends are written here. The figure and
 * the bench row that guards it: docs/architecture.md, deliberate oddities.
 *
 * <p>Reading is strict: a field named twice in one object, or anything after the value, is invalid JSON, reported as
 * Jackson's parser reports any other error ({@link com.fasterxml.jackson.core.JsonProcessingException}). Empty input
 * reads as a {@link MissingNode}. Numbers read as {@code ObjectMapper.readTree} reads them: integers as int, long or
 * big integer nodes by size, others as doubles.
 */
public final class JsonTrees {
    /** The start of the parse error for anything after the value. */
    public static final String TRAILING_CONTENT = "Unexpected content after the JSON value";

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonTrees() {}

    public static JsonNode read(byte[] json) throws IOException {
        try (JsonParser parser = JSON.createParser(json)) {
            return root(parser);
        }
    }

    public static JsonNode read(String json) throws IOException {
        try (JsonParser parser = JSON.createParser(json)) {
            return root(parser);
        }
    }

    /** Reads the stream to its end, and closes it. */
    public static JsonNode read(InputStream json) throws IOException {
        try (JsonParser parser = JSON.createParser(json)) {
            return root(parser);
        }
    }

    /** A streaming parser over the JSON, as strict about a field named twice as {@link #read(byte[])}. */
    public static JsonParser parser(byte[] json) throws IOException {
        return JSON.createParser(json);
    }

    /** Writes the tree as compact UTF-8 JSON to the stream, and closes it. */
    public static void write(JsonNode tree, OutputStream out) throws IOException {
        try (JsonGenerator generator = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            write(generator, tree);
        }
    }

    /** The tree as compact UTF-8 JSON. */
    public static byte[] bytes(JsonNode tree) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            write(tree, out);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory", e);
        }
        return out.toByteArray();
    }

    /** The tree as compact JSON text. */
    public static String text(JsonNode tree) {
        return new String(bytes(tree), StandardCharsets.UTF_8);
    }

    private static JsonNode root(JsonParser parser) throws IOException {
        if (parser.nextToken() == null) {
            return MissingNode.getInstance();
        }
        JsonNode value = value(parser);
        if (parser.nextToken() != null) {
            throw new JsonParseException(parser, TRAILING_CONTENT);
        }
        return value;
    }

    /** The value whose first token the parser is at; the parser is left at its last token. */
    private static JsonNode value(JsonParser parser) throws IOException {
        JsonToken token = parser.currentToken();
        return switch (token) {
            case START_OBJECT -> object(parser);
            case START_ARRAY -> array(parser);
            case VALUE_STRING -> NODES.textNode(parser.getText());
            case VALUE_NUMBER_INT ->
                switch (parser.getNumberType()) {
                    case INT -> NODES.numberNode(parser.getIntValue());
                    case LONG -> NODES.numberNode(parser.getLongValue());
                    default -> NODES.numberNode(parser.getBigIntegerValue());
                };
            case VALUE_NUMBER_FLOAT -> NODES.numberNode(parser.getDoubleValue());
            case VALUE_TRUE -> NODES.booleanNode(true);
            case VALUE_FALSE -> NODES.booleanNode(false);
            case VALUE_NULL -> NODES.nullNode();
            default -> throw new JsonParseException(parser, "Unexpected token " + token);
        };
    }

    private static ObjectNode object(JsonParser parser) throws IOException {
        ObjectNode object = NODES.objectNode();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            parser.nextToken();
            object.set(name, value(parser));
        }
        return object;
    }

    private static ArrayNode array(JsonParser parser) throws IOException {
        ArrayNode array = NODES.arrayNode();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            array.add(value(parser));
        }
        return array;
    }

    private static void write(JsonGenerator generator, JsonNode node) throws IOException {
        switch (node.getNodeType()) {
            case OBJECT -> {
                generator.writeStartObject();
                for (Map.Entry<String, JsonNode> field : node.properties()) {
                    generator.writeFieldName(field.getKey());
                    write(generator, field.getValue());
                }
                generator.writeEndObject();
            }
            case ARRAY -> {
                generator.writeStartArray();
                for (JsonNode element : node) {
                    write(generator, element);
                }
                generator.writeEndArray();
            }
            case STRING -> generator.writeString(node.textValue());
            case NUMBER -> writeNumber(generator, node);
            case BOOLEAN -> generator.writeBoolean(node.booleanValue());
            case NULL -> generator.writeNull();
            case BINARY -> generator.writeBinary(node.binaryValue());
            default -> throw new IllegalArgumentException("a " + node.getNodeType() + " node has no JSON form");
        }
    }

    private static void writeNumber(JsonGenerator generator, JsonNode number) throws IOException {
        switch (number.numberType()) {
            case INT -> generator.writeNumber(number.intValue());
            case LONG -> generator.writeNumber(number.longValue());
            case BIG_INTEGER -> generator.writeNumber(number.bigIntegerValue());
            case FLOAT -> generator.writeNumber(number.floatValue());
            case DOUBLE -> generator.writeNumber(number.doubleValue());
            case BIG_DECIMAL -> generator.writeNumber(number.decimalValue());
        }
    }
}
