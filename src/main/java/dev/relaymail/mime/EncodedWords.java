package dev.relaymail.mime;

import dev.relaymail.core.Text;
import jakarta.mail.internet.MimeUtility;
import java.io.UnsupportedEncodingException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Header text for recipients' mail readers. Plain ASCII stays as it is; other text is RFC 2047-encoded. Text that
 * itself looks like an encoded word ({@code =?…?=}) is always encoded, so that a reader shows it literally instead
 * of decoding it into something else.
 */
final class EncodedWords {
    /** Characters of text per encoded word: 45 UTF-8 bytes at most, so that a word stays under 75 characters. */
    private static final int CHUNK_BYTES = 45;

    private EncodedWords() {}

    static boolean looksEncoded(String text) {
        return text.contains("=?");
    }

    /** The text as it goes into an unstructured header (before folding). */
    static String unstructured(String text) throws UnsupportedEncodingException {
        if (looksEncoded(text)) {
            return always(text);
        }
        return Text.isPrintableAscii(text) ? text : MimeUtility.encodeText(text, "UTF-8", null);
    }

    /**
     * The text as base64 encoded words of at most 75 characters, separated by folding white space (which readers
     * drop between encoded words), never splitting a character.
     */
    static String always(String text) {
        StringBuilder out = new StringBuilder();
        int start = 0;
        while (start < text.length()) {
            int end = start;
            int bytes = 0;
            while (end < text.length()) {
                int cp = text.codePointAt(end);
                int size = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
                if (bytes + size > CHUNK_BYTES) {
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
