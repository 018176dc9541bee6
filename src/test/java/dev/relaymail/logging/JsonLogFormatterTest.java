package dev.relaymail.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class JsonLogFormatterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final JsonLogFormatter formatter = new JsonLogFormatter();

    private static LogRecord record(Level level, String message, Object... parameters) {
        LogRecord record = new LogRecord(level, message);
        record.setLoggerName("dev.relaymail.Test");
        record.setMillis(1_795_000_000_123L);
        record.setParameters(parameters);
        return record;
    }

    private JsonNode line(LogRecord record) throws Exception {
        String line = formatter.format(record);
        assertTrue(line.endsWith("}\n"), line);
        assertEquals(1, line.split("\n", -1).length - 1, "one line, whatever the values hold: " + line);
        return JSON.readTree(line);
    }

    @Test
    void writesTheFieldsOfARecordAsOneJsonObject() throws Exception {
        Map<String, Object> tags = new LinkedHashMap<>();
        tags.put("campaign", "2026-11");
        tags.put("empty", Map.of());
        JsonNode json = line(record(
                Level.INFO,
                "sent",
                LogFields.of()
                        .with("durationMs", 42L)
                        .with("ratio", 0.5)
                        .with("retry", false)
                        .with("recipients", List.of("a***@example.com", "b***@example.org"))
                        .with("none", List.of())
                        .with("tags", tags)
                        .with("left out", null)));

        assertEquals("2026-11-18T11:06:40.123Z", json.get("time").textValue());
        assertEquals("INFO", json.get("level").textValue());
        assertEquals("dev.relaymail.Test", json.get("logger").textValue());
        assertEquals("sent", json.get("message").textValue());
        assertEquals(42, json.get("durationMs").intValue());
        assertEquals(0.5, json.get("ratio").doubleValue());
        assertTrue(json.get("retry").isBoolean());
        assertEquals("b***@example.org", json.get("recipients").get(1).textValue());
        assertEquals(0, json.get("none").size());
        assertEquals("2026-11", json.get("tags").get("campaign").textValue());
        assertEquals(0, json.get("tags").get("empty").size());
        assertTrue(!json.has("left out"));
    }

    @Test
    void escapesWhatWouldBreakTheLineOrTheString() throws Exception {
        String nasty = "quote \" backslash \\ cr \r lf \n tab \t nul \0 esc \u001b del \u007f umlaut \u00e4 "
                + "separator \u2028 emoji \ud83d\udce7 brace {";
        JsonNode json =
                line(record(Level.WARNING, "relay said " + nasty, LogFields.of().with(nasty, nasty)));

        assertEquals("relay said " + nasty, json.get("message").textValue());
        assertEquals(nasty, json.get(nasty).textValue());
    }

    @Test
    void formatsOrdinaryParametersAndWritesTheStackTrace() throws Exception {
        LogRecord record = record(Level.SEVERE, "cannot use relay {0} on port {1}", "smtp.example.com", 587);
        record.setThrown(new IllegalStateException("boom"));
        JsonNode json = line(record);

        assertEquals(
                "cannot use relay smtp.example.com on port 587",
                json.get("message").textValue());
        assertTrue(
                json.get("error").textValue().startsWith("java.lang.IllegalStateException: boom\n\tat "),
                json.get("error").textValue());
    }

    @Test
    void aMessageWithoutTextIsNull() throws Exception {
        assertTrue(line(record(Level.FINE, null)).get("message").isNull());
    }
}
