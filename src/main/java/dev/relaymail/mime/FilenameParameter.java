package dev.relaymail.mime;

import dev.relaymail.core.Text;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An attachment's name in its part's headers, written once in each header so that no reader has two names to choose
 * from (RFC 2231 gives no precedence, and readers differ). A plain name (printable ASCII without quotes, apostrophes or
 * backslashes, nothing like an RFC 2047 encoded word, short enough for one line) is a quoted string in both. Any other
 * name is {@code filename*=UTF-8''…} in {@code Content-Disposition} (RFC 2231), split into continuations at character
 * boundaries so that each segment is whole UTF-8 and each line at most 78 characters; {@code Content-Type}'s
 * {@code name} carries it as RFC 2047 encoded words, which only a reader that cannot read RFC 2231 turns to
 * (docs/recipients.md has the evidence). A name that looks like an encoded word is itself encoded in both forms, so
 * that a reader shows it as given instead of decoding it into another name.
 */
final class FilenameParameter {
    /** The line length RFC 5322 asks for. */
    private static final int LINE = 78;

    private static final String CHARSET = "UTF-8''";
    /** The longest plain name: a tab, {@code filename="…"} and nothing else on its line. */
    private static final int PLAIN_MAX = LINE - "\tfilename=\"\"".length();

    private final String name;
    private final boolean plain;

    FilenameParameter(String name) {
        this.name = name;
        this.plain = name.length() <= PLAIN_MAX
                && Text.isPrintableAscii(name)
                && name.indexOf('"') < 0
                && name.indexOf('\\') < 0
                // mime4j reads a plain value with two apostrophes as RFC 2231's charset'language'value
                && name.indexOf('\'') < 0
                && !EncodedWords.looksEncoded(name);
    }

    /** {@code Content-Type}'s {@code name} parameter, to append to its value: a {@code ;}, a fold and the parameter. */
    String contentTypeName() {
        String value = plain ? name : EncodedWords.always(name, "\tname=\"".length(), "\"".length());
        return ";\r\n\tname=\"" + value + '"';
    }

    /** {@code Content-Disposition}'s {@code filename} parameter, to append to its value, each part on a line. */
    String dispositionFilename() {
        if (plain) {
            return ";\r\n\tfilename=\"" + name + '"';
        }
        List<String> segments = segments(name);
        if (segments.size() == 1) {
            return ";\r\n\tfilename*=" + CHARSET + segments.get(0);
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < segments.size(); i++) {
            out.append(";\r\n\tfilename*")
                    .append(i)
                    .append("*=")
                    .append(i == 0 ? CHARSET : "")
                    .append(segments.get(i));
        }
        return out.toString();
    }

    /**
     * The name percent-encoded in segments, cut only between characters: one segment when it fits on the line of
     * {@code filename*=}; else each as long as its line {@code \tfilename*N*=…;} allows.
     */
    private static List<String> segments(String name) {
        List<String> characters = new ArrayList<>();
        int length = 0;
        for (int i = 0; i < name.length(); i += Character.charCount(name.codePointAt(i))) {
            String encoded = percentEncoded(new String(Character.toChars(name.codePointAt(i))));
            characters.add(encoded);
            length += encoded.length();
        }
        if ("\tfilename*=".length() + CHARSET.length() + length <= LINE) {
            return List.of(String.join("", characters));
        }
        List<String> segments = new ArrayList<>();
        StringBuilder segment = new StringBuilder();
        for (String character : characters) {
            int index = segments.size();
            int room = LINE - ("\tfilename*" + index + "*=;").length() - (index == 0 ? CHARSET.length() : 0);
            if (segment.length() > 0 && segment.length() + character.length() > room) {
                segments.add(segment.toString());
                segment.setLength(0);
            }
            segment.append(character);
        }
        segments.add(segment.toString());
        return segments;
    }

    /**
     * RFC 2231's {@code attribute-char}s as they are, every other byte of the UTF-8 as {@code %XX}, and {@code +}
     * too: mime4j decodes the value as a URL's query, where {@code +} is a space.
     */
    private static String percentEncoded(String text) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            boolean attributeChar = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || "!#$&-.^_`|~".indexOf(c) >= 0;
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
}
