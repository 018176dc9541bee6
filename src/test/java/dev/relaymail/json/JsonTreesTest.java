package dev.relaymail.json;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.POJONode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link JsonTrees} against Jackson's own {@link ObjectMapper}, which reads and writes the same trees. */
class JsonTreesTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String EVERY_KIND = "{\"s\": \"Grüße \\\"quoted\\\" \\\\ \\n \\u0000 \\u2028 😀\", "
            + "\"int\": -2147483648, \"long\": 9007199254740993, \"big\": 123456789012345678901234567890, "
            + "\"double\": -1.5e-7, \"zero\": 0.0, \"t\": true, \"f\": false, \"n\": null, \"empty\": {}, "
            + "\"none\": [], "
            + "\"nested\": [1, [2, {\"a\": [null, \"x\"]}], {\"\": \"empty name\"}]}";

    @Test
    void readsEveryKindOfValueAsTheObjectMapperDoesWithTheSameNodeTypes() throws Exception {
        JsonNode expected = MAPPER.readTree(EVERY_KIND);

        assertEquals(expected, JsonTrees.read(EVERY_KIND));
        assertEquals(expected, JsonTrees.read(EVERY_KIND.getBytes(StandardCharsets.UTF_8)));
        assertEquals(expected, JsonTrees.read(new ByteArrayInputStream(EVERY_KIND.getBytes(StandardCharsets.UTF_8))));
        assertTrue(JsonTrees.read(EVERY_KIND).get("long").isLong());
        assertTrue(JsonTrees.read(EVERY_KIND).get("big").isBigInteger());
    }

    @Test
    void writesTheBytesTheObjectMapperWrites() throws Exception {
        ObjectNode tree = (ObjectNode) MAPPER.readTree(EVERY_KIND);
        tree.put("float", 0.1f)
                .put("decimal", new BigDecimal("1.10"))
                .put("bigInteger", BigInteger.TEN.pow(30))
                .put("binary", new byte[] {0, 1, 2, (byte) 0xFF});
        tree.putArray("shorts").add((short) 7).add(Long.MIN_VALUE);

        byte[] expected = MAPPER.writeValueAsBytes(tree);
        assertArrayEquals(expected, JsonTrees.bytes(tree));
        assertEquals(new String(expected, StandardCharsets.UTF_8), JsonTrees.text(tree));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        JsonTrees.write(tree, out);
        assertArrayEquals(expected, out.toByteArray());
        assertEquals(
                MAPPER.readTree(expected),
                JsonTrees.read(expected),
                "what it writes reads back as the mapper " + "reads it");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"a\": 1, \"a\": 2}",
                "{\"o\": {\"b\": 1, \"b\": 1}}",
                "{} {}",
                "{\"a\": 1} x",
                "[1]]",
                "{\"a\": 1",
                "[1, 2",
                "{\"a\" 1}",
                "nul",
                "'single'",
                "{\"a\": 01}"
            })
    void refusesWhatIsNotExactlyOneJsonValueWithoutRepeatedFields(String json) {
        assertThrows(JsonProcessingException.class, () -> JsonTrees.read(json));
        assertThrows(JsonProcessingException.class, () -> JsonTrees.read(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void readsEmptyInputAsMissingAndAScalarAsItself() throws Exception {
        assertEquals(MissingNode.getInstance(), JsonTrees.read(""));
        assertEquals(MissingNode.getInstance(), JsonTrees.read(" \n\t".getBytes(StandardCharsets.UTF_8)));
        assertEquals(JsonNodeFactory.instance.textNode("x"), JsonTrees.read(" \"x\" "));
        assertEquals(JsonNodeFactory.instance.numberNode(42), JsonTrees.read("42"));
    }

    @Test
    void refusesNestingDeeperThanJacksonsLimitWithoutOverflowingTheStack() {
        JsonProcessingException e = assertThrows(
                JsonProcessingException.class, () -> JsonTrees.read("[".repeat(100_000) + "]".repeat(100_000)));
        assertTrue(e.getMessage().contains("nesting depth"), e.getMessage());
    }

    @Test
    void refusesToWriteANodeThatHasNoJsonForm() {
        assertThrows(IllegalArgumentException.class, () -> JsonTrees.bytes(MissingNode.getInstance()));
        assertThrows(
                IllegalArgumentException.class,
                () -> JsonTrees.bytes(JsonNodeFactory.instance.objectNode().set("pojo", new POJONode(new Object()))));
    }
}
