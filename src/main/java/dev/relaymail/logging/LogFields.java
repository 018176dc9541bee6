package dev.relaymail.logging;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Named values for one structured log line. Passed as the single parameter of a {@code java.util.logging} call;
 * {@link JsonLogFormatter} writes them as top-level JSON fields.
 */
public final class LogFields {
    private final Map<String, Object> fields = new LinkedHashMap<>();

    public static LogFields of() {
        return new LogFields();
    }

    /** Adds a field; {@code null} values are left out. */
    public LogFields with(String name, Object value) {
        if (value != null) {
            fields.put(name, value);
        }
        return this;
    }

    public Map<String, Object> asMap() {
        return Collections.unmodifiableMap(fields);
    }
}
