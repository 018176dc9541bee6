package dev.relaymail.core;

/** Character checks shared by the validators. */
public final class Text {
    private Text() {}

    /**
     * True when the text holds a character that must never reach a header or an SMTP command: C0 controls (CR, LF,
     * NUL, TAB …), DEL, C1 controls, and the Unicode line and paragraph separators.
     */
    public static boolean hasControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (isControl(s.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    public static boolean isControl(char c) {
        return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || c == '\u2028' || c == '\u2029';
    }

    static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 0x7e) {
                return false;
            }
        }
        return true;
    }

    /** True for printable ASCII (space to tilde) only. */
    public static boolean isPrintableAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }
}
