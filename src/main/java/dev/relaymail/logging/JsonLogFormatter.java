package dev.relaymail.logging;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.text.MessageFormat;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * One JSON object per line: {@code time}, {@code level}, {@code logger}, {@code message}, the {@link LogFields} of the
 * record as top-level fields, and {@code error} with the stack trace when the record carries a throwable. Messages
 * with ordinary parameters are formatted with {@link MessageFormat} placeholders, as {@code java.util.logging} does.
 */
public final class JsonLogFormatter extends Formatter {
    private static final HexFormat HEX = HexFormat.of();

    @Override
    public String format(LogRecord record) {
        StringBuilder json = new StringBuilder(256);
        json.append("{\"time\":");
        string(json, Instant.ofEpochMilli(record.getMillis()).toString());
        field(json, "level");
        string(json, record.getLevel().getName());
        field(json, "logger");
        string(json, record.getLoggerName());
        Object[] params = record.getParameters();
        LogFields fields = params != null && params.length == 1 && params[0] instanceof LogFields f ? f : null;
        field(json, "message");
        string(json, fields != null ? record.getMessage() : message(record));
        if (fields != null) {
            for (Map.Entry<String, Object> entry : fields.asMap().entrySet()) {
                field(json, entry.getKey());
                value(json, entry.getValue());
            }
        }
        if (record.getThrown() != null) {
            StringWriter trace = new StringWriter();
            record.getThrown().printStackTrace(new PrintWriter(trace));
            field(json, "error");
            string(json, trace.toString());
        }
        return json.append("}\n").toString();
    }

    private static String message(LogRecord record) {
        Object[] params = record.getParameters();
        if (params == null || params.length == 0 || record.getMessage() == null) {
            return record.getMessage();
        }
        try {
            return MessageFormat.format(record.getMessage(), params);
        } catch (IllegalArgumentException e) {
            return record.getMessage();
        }
    }

    /** Starts the next member of an object: a comma, the name and a colon. */
    private static StringBuilder field(StringBuilder json, String name) {
        if (json.charAt(json.length() - 1) != '{') {
            json.append(',');
        }
        string(json, name);
        return json.append(':');
    }

    private static void value(StringBuilder json, Object value) {
        if (value instanceof Number || value instanceof Boolean) {
            json.append(value);
        } else if (value instanceof Map<?, ?> map) {
            json.append('{');
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                field(json, String.valueOf(entry.getKey()));
                value(json, entry.getValue());
            }
            json.append('}');
        } else if (value instanceof Iterable<?> items) {
            json.append('[');
            for (Object item : items) {
                if (json.charAt(json.length() - 1) != '[') {
                    json.append(',');
                }
                value(json, item);
            }
            json.append(']');
        } else {
            string(json, String.valueOf(value));
        }
    }

    /**
     * A JSON string: quotes and backslashes escaped, and every character below U+0020, so that a line break in a
     * value can never start a log line of its own.
     */
    private static void string(StringBuilder json, String text) {
        if (text == null) {
            json.append("null");
            return;
        }
        json.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                json.append('\\').append(c);
            } else if (c == '\n') {
                json.append("\\n");
            } else if (c < 0x20) {
                json.append("\\u00").append(HEX.toHexDigits((byte) c));
            } else {
                json.append(c);
            }
        }
        json.append('"');
    }
}
