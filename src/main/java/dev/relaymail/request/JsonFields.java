package dev.relaymail.request;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relaymail.core.Text;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Small checks on the JSON of a request shared by its readers. */
final class JsonFields {
    private JsonFields() {}

    static boolean absent(JsonNode node) {
        return node == null || node.isNull();
    }

    static void unknown(JsonNode object, Set<String> known, String prefix, FieldProblems problems) {
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                problems.add(prefix + printable(name), "unknown field");
            }
        }
    }

    /** The entries of an optional object of names to values, none when it is absent or not acceptable. */
    static List<Map.Entry<String, JsonNode>> entries(JsonNode node, String field, int max, FieldProblems problems) {
        List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
        if (absent(node)) {
            return entries;
        }
        if (!node.isObject()) {
            problems.add(field, "must be an object of names to string values");
        } else if (node.size() > max) {
            problems.add(field, "too many " + field + ": " + node.size() + " (limit " + max + ")");
        } else {
            node.fields().forEachRemaining(entries::add);
        }
        return entries;
    }

    /** A field name fit to echo back: control characters replaced, length capped. */
    static String printable(String name) {
        StringBuilder out = new StringBuilder(Math.min(name.length(), 80));
        for (int i = 0; i < name.length() && i < 80; i++) {
            char c = name.charAt(i);
            out.append(Text.isControl(c) ? '?' : c);
        }
        return out.toString();
    }
}
