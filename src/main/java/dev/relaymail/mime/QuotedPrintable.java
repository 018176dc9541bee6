package dev.relaymail.mime;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Quoted-printable (RFC 2045) in one pass over the UTF-8 bytes of a text, straight into a byte array: line breaks of
 * any kind become CRLF, lines are at most 76 characters (soft breaks with {@code =}), spaces and tabs before a line
 * break are encoded. Jakarta Mail's encoder stream does the same byte by byte through several stream layers, which
 * made it the largest cost of composing a message. Tabs are always encoded, so that no transport can rewrite them.
 */
final class QuotedPrintable {
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_LINE = 76;

    private QuotedPrintable() {}

    static byte[] encode(String text) {
        byte[] in = text.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[in.length + in.length / 4 + 16];
        int n = 0;
        int line = 0;
        for (int i = 0; i < in.length; i++) {
            int b = in[i] & 0xff;
            if (out.length - n < 8) {
                out = Arrays.copyOf(out, out.length * 2);
            }
            if (b == '\r' || b == '\n') {
                if (b == '\r' && i + 1 < in.length && in[i + 1] == '\n') {
                    i++;
                }
                out[n++] = '\r';
                out[n++] = '\n';
                line = 0;
                continue;
            }
            boolean lineEnd = i + 1 == in.length || in[i + 1] == '\r' || in[i + 1] == '\n';
            boolean literal = (b >= 33 && b <= 126 && b != '=') || (b == ' ' && !lineEnd);
            int width = literal ? 1 : 3;
            if (line + width > MAX_LINE - 1) {
                out[n++] = '=';
                out[n++] = '\r';
                out[n++] = '\n';
                line = 0;
            }
            if (literal) {
                out[n++] = (byte) b;
            } else {
                out[n++] = '=';
                out[n++] = HEX[b >> 4];
                out[n++] = HEX[b & 15];
            }
            line += width;
        }
        return Arrays.copyOf(out, n);
    }
}
