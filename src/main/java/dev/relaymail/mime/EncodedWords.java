package dev.relaymail.mime;

import dev.relaymail.core.Text;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Header text for recipients' mail readers. Plain ASCII stays as it is; other text is RFC 2047-encoded. Text that
 * itself looks like an encoded word ({@code =?…?=}) is always encoded, so that a reader shows it literally instead
 * of decoding it into something else.
 */
final class EncodedWords {
    /** The line length RFC 5322 asks for. */
    private static final int LINE = 78;
    /** What an encoded word adds to its base64: {@code =?UTF-8?B?} and {@code ?=}. */
    private static final int FRAME = "=?UTF-8?B??=".length();
    /** The base64 of one display name's word: with its frame, {@code Reply-To: } and a 254-character address, 998. */
    private static final int PHRASE_BASE64 = 700;
    /** At least one character of any size per word, so that a line too short for any still moves on. */
    private static final int MIN_BYTES = 4;

    private EncodedWords() {}

    static boolean looksEncoded(String text) {
        return text.contains("=?");
    }

    /**
     * The text as it goes into an unstructured header named {@code name} (before folding): plain ASCII as it is,
     * other text as encoded words that fit their lines after the header's name (Jakarta Mail's are up to 75
     * characters wide wherever they start).
     */
    static String unstructured(String name, String text) {
        return Text.isPrintableAscii(text) && !looksEncoded(text) ? text : always(text, name.length() + 2, 0);
    }

    /**
     * The text as base64 encoded words separated by folding white space (which readers drop between encoded words),
     * never splitting a character, each line within 78 characters where a word fits at all: the first word after
     * {@code before} characters of its line, the others after the fold's space, each line keeping {@code after}
     * characters free for what follows the last word.
     */
    static String always(String text, int before, int after) {
        return words(text, LINE - before - after - FRAME, LINE - 1 - after - FRAME);
    }

    /**
     * A display name as one base64 encoded word, however long the line: Python's {@code email} reads the white space
     * between the encoded words of a display name as a space (RFC 2047 has readers drop it), so that a name split to
     * fit 78 characters comes out with a space where it was cut. Only a name whose word would not leave room in 998
     * characters for {@code Reply-To: } and the longest address is split.
     */
    static String phrase(String name) {
        return words(name, PHRASE_BASE64, PHRASE_BASE64);
    }

    /** Encoded words of at most {@code first} and then {@code next} characters of base64, one per line. */
    private static String words(String text, int first, int next) {
        StringBuilder out = new StringBuilder();
        int start = 0;
        while (start < text.length()) {
            int room = out.length() == 0 ? first : next;
            int maxBytes = Math.max(MIN_BYTES, room / 4 * 3);
            int end = start;
            int bytes = 0;
            while (end < text.length()) {
                int cp = text.codePointAt(end);
                int size = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
                if (bytes + size > maxBytes && end > start) {
                    break;
                }
                bytes += size;
                end += Character.charCount(cp);
            }
            if (out.length() > 0) {
                out.append("\r\n ");
            }
            out.append("=?UTF-8?B?")
                    .append(Base64.getEncoder()
                            .encodeToString(text.substring(start, end).getBytes(StandardCharsets.UTF_8)))
                    .append("?=");
            start = end;
        }
        return out.toString();
    }
}
