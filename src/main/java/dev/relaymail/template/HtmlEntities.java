package dev.relaymail.template;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * HTML5's character references decoded as a browser decodes them in text and in attribute values: every named one
 * (the whole table, case-sensitive), the legacy names without their semicolon too (but not, in an attribute, before
 * {@code =} or a letter or digit, so that {@code ?a=1&copy=2} stays a query string), and numeric ones.
 *
 * <p>Not jsoup's decoder, which reads the same table: loading it took about 150 ms at the first template of a
 * container (docs/recipients.md has the measurement); this table is read in a few milliseconds, once, at the first
 * reference that is not numeric.
 */
final class HtmlEntities {
    /** The longest name in the table, CounterClockwiseContourIntegral. */
    private static final int LONGEST = 31;

    private HtmlEntities() {}

    static String decode(String text, boolean inAttribute) {
        int amp = text.indexOf('&');
        if (amp < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int at = 0;
        while (amp >= 0) {
            out.append(text, at, amp);
            at = reference(text, amp, inAttribute, out);
            amp = text.indexOf('&', at);
        }
        return out.append(text, at, text.length()).toString();
    }

    /** Decodes the reference at {@code amp} into {@code out}, or copies the '&'; returns where the text goes on. */
    private static int reference(String text, int amp, boolean inAttribute, StringBuilder out) {
        int start = amp + 1;
        if (start < text.length() && text.charAt(start) == '#') {
            return numeric(text, amp, out);
        }
        int end = start;
        while (end < text.length() && end - start < LONGEST && Character.isLetterOrDigit(text.charAt(end))) {
            end++;
        }
        if (end > start && end < text.length() && text.charAt(end) == ';') {
            String value = Table.NAMES.get(text.substring(start, end));
            if (value != null) {
                out.append(value);
                return end + 1;
            }
        }
        // a legacy name without its semicolon: the longest one the run starts with
        for (int prefix = end; prefix > start + 1; prefix--) {
            String name = text.substring(start, prefix);
            if (Table.LEGACY.contains(name)) {
                char next = prefix < text.length() ? text.charAt(prefix) : ' ';
                if (inAttribute && (next == '=' || Character.isLetterOrDigit(next))) {
                    break;
                }
                out.append(Table.NAMES.get(name));
                return prefix;
            }
        }
        out.append('&');
        return start;
    }

    /** {@code &#NNN;} or {@code &#xHHH;}, with its semicolon; NUL and what is no character read as U+FFFD. */
    private static int numeric(String text, int amp, StringBuilder out) {
        int at = amp + 2;
        boolean hex = at < text.length() && (text.charAt(at) == 'x' || text.charAt(at) == 'X');
        int digits = hex ? at + 1 : at;
        int end = digits;
        while (end < text.length() && end - digits < 8 && Character.digit(text.charAt(end), hex ? 16 : 10) >= 0) {
            end++;
        }
        if (end == digits || end >= text.length() || text.charAt(end) != ';') {
            out.append('&');
            return amp + 1;
        }
        long cp = Long.parseLong(text.substring(digits, end), hex ? 16 : 10);
        boolean character = cp > 0
                && cp <= Character.MAX_CODE_POINT
                && !(cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE);
        out.appendCodePoint(character ? (int) cp : 0xFFFD);
        return end + 1;
    }

    /** The table, read at the first named reference. */
    private static final class Table {
        static final Map<String, String> NAMES = new HashMap<>(4096);
        static final Set<String> LEGACY = new HashSet<>(256);

        static {
            try (InputStream in = HtmlEntities.class.getResourceAsStream("html-entities.txt");
                    BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (line.startsWith("#")) {
                        continue;
                    }
                    String[] fields = line.split(" ");
                    StringBuilder value = new StringBuilder(2);
                    for (String cp : fields[1].split(",")) {
                        value.appendCodePoint(Integer.parseInt(cp, 16));
                    }
                    NAMES.put(fields[0], value.toString());
                    if (fields.length > 2) {
                        LEGACY.add(fields[0]);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("reading the HTML entity table from the package", e);
            }
        }
    }
}
