package dev.relaymail.mime;

import dev.relaymail.core.Text;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code filename} (or {@code name}) parameter of a MIME header: a readable ASCII fallback in quotes for old
 * clients, and, when the name is not plain ASCII, the exact name in RFC 2231 form ({@code filename*=UTF-8''…}), split
 * into RFC 2231 continuations when long so that no header line grows past the limits.
 */
public final class FilenameParameter {
    private static final int SEGMENT = 60;

    private final String fallback;
    /** The exact name in RFC 2231 form, split; none when the fallback is the name itself. */
    private final List<String> segments;

    FilenameParameter(String filename) {
        fallback = fallback(filename);
        segments = fallback.equals(filename) ? List.of() : continuations(percentEncode(filename));
    }

    /** The parameter under this name, to append after a header value: each part starts with {@code ;} and a fold. */
    String render(String parameter) {
        StringBuilder out = new StringBuilder()
                .append(";\r\n\t")
                .append(parameter)
                .append("=\"")
                .append(fallback)
                .append('"');
        if (segments.size() == 1) {
            out.append(";\r\n\t").append(parameter).append("*=UTF-8''").append(segments.get(0));
        } else {
            for (int i = 0; i < segments.size(); i++) {
                out.append(";\r\n\t")
                        .append(parameter)
                        .append('*')
                        .append(i)
                        .append("*=")
                        .append(i == 0 ? "UTF-8''" : "")
                        .append(segments.get(i));
            }
        }
        return out.toString();
    }

    /**
     * The name in ASCII: accents dropped (ä to a), other characters and quotes replaced by '_'. A name that looks like
     * an RFC 2047 encoded word ({@code =?…?=}) gets '_' for its '?' too: some readers decode such a name, and would
     * show another name (another extension) than the one given, which the RFC 2231 form then carries exactly.
     */
    public static String fallback(String filename) {
        boolean looksEncoded = EncodedWords.looksEncoded(filename);
        if (Text.isPrintableAscii(filename)
                && filename.indexOf('"') < 0
                && filename.indexOf('\\') < 0
                && !looksEncoded) {
            return filename;
        }
        String decomposed = Normalizer.normalize(filename, Normalizer.Form.NFD);
        StringBuilder out = new StringBuilder(decomposed.length());
        for (int i = 0; i < decomposed.length(); i++) {
            char c = decomposed.charAt(i);
            if (Character.getType(c) == Character.NON_SPACING_MARK) {
                continue;
            }
            out.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && !(looksEncoded && c == '?') ? c : '_');
        }
        return out.toString();
    }

    private static String percentEncode(String filename) {
        StringBuilder out = new StringBuilder();
        for (byte b : filename.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            boolean attributeChar = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || "!#$&+-.^_`|~".indexOf(c) >= 0;
            if (attributeChar) {
                out.append((char) c);
            } else {
                out.append('%')
                        .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return out.toString();
    }

    /** Splits at most every {@value #SEGMENT} characters, never inside a %XX triple. */
    private static List<String> continuations(String encoded) {
        List<String> segments = new ArrayList<>();
        int start = 0;
        while (start < encoded.length()) {
            int end = Math.min(start + SEGMENT, encoded.length());
            if (end < encoded.length()) {
                int percent = encoded.lastIndexOf('%', end - 1);
                if (percent >= start && percent > end - 3) {
                    end = percent;
                }
            }
            segments.add(encoded.substring(start, end));
            start = end;
        }
        return segments;
    }
}
