package dev.relaymail.core;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Masks recipient addresses for logs and error details: {@code ann@example.org} becomes {@code a***@example.org}. */
public final class Redact {
    private static final Pattern ADDRESS = Pattern.compile("([^\\s<>\"',;:()\\[\\]@]+)@([A-Za-z0-9.-]+)");

    private Redact() {}

    public static String address(MailAddress address) {
        return mask(address.localPart(), address.domain());
    }

    /** Masks every address-like run in a free text such as a server reply. */
    public static String addressesIn(String text) {
        Matcher m = ADDRESS.matcher(text);
        StringBuilder out = new StringBuilder(text.length());
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(mask(m.group(1), m.group(2))));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String mask(String local, String domain) {
        return local.charAt(0) + "***@" + domain;
    }
}
