package dev.relaymail.core;

import java.net.IDN;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * One mailbox: an optional display name and an ASCII address whose domain is kept as IDNA A-labels in lower case.
 *
 * <p>Parsing is strict on purpose (the address goes into {@code MAIL FROM}, {@code RCPT TO} and headers): the local
 * part must be an RFC 5322 dot-atom of ASCII characters (at most 64 octets), the domain a host name of at least two
 * labels (converted to A-labels, so a Cyrillic look-alike of {@code example.com} stays a different domain), the whole
 * address at most 254 octets (RFC 5321). Quoted local parts, address literals, groups, comments and non-ASCII local
 * parts (which would need SMTPUTF8 at the relay) are refused. No control character is accepted anywhere.
 */
public record MailAddress(Optional<String> displayName, String localPart, String domain) {
    static final int MAX_LOCAL_PART = 64;
    static final int MAX_ADDRESS = 254;
    static final int MAX_DISPLAY_NAME = 256;
    /**
     * Characters that IDNA 2003 maps (ß and ẞ to "ss", ς to σ) or drops (zero-width non-joiner and joiner) while IDNA
     * 2008 keeps them: straße.de would be sent to strasse.de, another domain.
     */
    private static final String IDNA_DEVIATIONS = "\u00DF\u1E9E\u03C2\u200C\u200D";

    public MailAddress {
        Objects.requireNonNull(displayName, "displayName");
        Objects.requireNonNull(localPart, "localPart");
        Objects.requireNonNull(domain, "domain");
    }

    /** {@code local@domain}, ASCII only, as it goes into the SMTP envelope. */
    public String address() {
        return localPart + "@" + domain;
    }

    /** The same mailbox without its display name. */
    public MailAddress withoutName() {
        return new MailAddress(Optional.empty(), localPart, domain);
    }

    /** True when both name the same mailbox; compared case-insensitively (the local part is ASCII). */
    public boolean sameMailbox(MailAddress other) {
        return domain.equals(other.domain) && localPart.equalsIgnoreCase(other.localPart);
    }

    /** Parses {@code "Name <local@domain>"}, {@code "\"Name\" <local@domain>"} or {@code local@domain}. */
    public static MailAddress parse(String raw) {
        Objects.requireNonNull(raw, "raw");
        if (Text.hasControl(raw)) {
            throw new AddressFormatException("must not contain control characters (CR, LF, NUL, …)");
        }
        String s = raw.strip();
        if (s.isEmpty()) {
            throw new AddressFormatException("must not be empty");
        }
        if (s.endsWith(">")) {
            int open = s.lastIndexOf('<');
            if (open < 0) {
                throw new AddressFormatException("has a '>' without a matching '<'");
            }
            String name = displayName(s.substring(0, open).strip());
            return addrSpec(
                    s.substring(open + 1, s.length() - 1).strip(),
                    name.isEmpty() ? Optional.empty() : Optional.of(name));
        }
        return addrSpec(s, Optional.empty());
    }

    private static String displayName(String phrase) {
        String name = phrase;
        if (phrase.length() >= 2 && phrase.startsWith("\"") && phrase.endsWith("\"")) {
            name = unquote(phrase.substring(1, phrase.length() - 1));
        } else if (phrase.indexOf('"') >= 0 || phrase.indexOf('<') >= 0 || phrase.indexOf('>') >= 0) {
            throw new AddressFormatException("display name must be quoted when it contains '\"', '<' or '>'");
        }
        if (name.length() > MAX_DISPLAY_NAME) {
            throw new AddressFormatException("display name is longer than " + MAX_DISPLAY_NAME + " characters");
        }
        return name.strip();
    }

    private static String unquote(String quoted) {
        StringBuilder out = new StringBuilder(quoted.length());
        for (int i = 0; i < quoted.length(); i++) {
            char c = quoted.charAt(i);
            if (c == '\\') {
                if (++i == quoted.length()) {
                    throw new AddressFormatException("display name ends with a lone backslash");
                }
                c = quoted.charAt(i);
            } else if (c == '"') {
                throw new AddressFormatException("display name has an unescaped '\"' inside quotes");
            }
            out.append(c);
        }
        return out.toString();
    }

    private static MailAddress addrSpec(String spec, Optional<String> name) {
        int at = spec.lastIndexOf('@');
        if (at <= 0 || at == spec.length() - 1) {
            throw new AddressFormatException("is not an address of the form local@domain");
        }
        String local = spec.substring(0, at);
        String domain = asciiDomain(spec.substring(at + 1));
        checkLocalPart(local);
        if (local.length() + 1 + domain.length() > MAX_ADDRESS) {
            throw new AddressFormatException("is longer than " + MAX_ADDRESS + " characters");
        }
        return new MailAddress(name, local, domain);
    }

    private static void checkLocalPart(String local) {
        if (local.startsWith("\"")) {
            throw new AddressFormatException("quoted local parts are not supported");
        }
        if (!Text.isAscii(local)) {
            throw new AddressFormatException("non-ASCII local parts are not supported (the relay would need SMTPUTF8)");
        }
        if (local.length() > MAX_LOCAL_PART) {
            throw new AddressFormatException("local part is longer than " + MAX_LOCAL_PART + " characters");
        }
        if (local.startsWith(".") || local.endsWith(".") || local.contains("..")) {
            throw new AddressFormatException("local part has a misplaced '.'");
        }
        for (int i = 0; i < local.length(); i++) {
            char c = local.charAt(i);
            if (!(isAtext(c) || c == '.')) {
                throw new AddressFormatException("local part must not contain '" + c + "'");
            }
        }
    }

    private static boolean isAtext(char c) {
        return (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0;
    }

    /** Converts a domain to lower-case A-labels and checks it is a host name of at least two labels. */
    static String asciiDomain(String domain) {
        if (domain.startsWith("[")) {
            throw new AddressFormatException("address literals are not supported");
        }
        if (domain.endsWith(".")) {
            throw new AddressFormatException("domain must not end with '.'");
        }
        String ascii = Text.isAscii(domain) ? domain.toLowerCase(Locale.ROOT) : aLabels(domain);
        int labels = 0;
        int start = 0;
        do {
            int end = ascii.indexOf('.', start);
            end = end < 0 ? ascii.length() : end;
            if (!hostLabel(ascii, start, end)) {
                throw new AddressFormatException("domain is not a valid host name");
            }
            labels++;
            start = end + 1;
        } while (start <= ascii.length());
        if (labels < 2) {
            throw new AddressFormatException("domain must have at least two labels");
        }
        return ascii;
    }

    /**
     * An internationalised domain in lower-case A-labels ({@code xn--…}); ASCII labels are checked as they are. The
     * JDK converts by IDNA 2003, which agrees with IDNA 2008 (what registries and mail servers use) but for the
     * characters of {@link #IDNA_DEVIATIONS}: a domain with one of them is refused rather than sent to another one.
     */
    private static String aLabels(String domain) {
        for (int i = 0; i < domain.length(); i++) {
            if (IDNA_DEVIATIONS.indexOf(domain.charAt(i)) >= 0) {
                throw new AddressFormatException("domain has ß, ς or a zero-width joiner, which IDNA 2003 and 2008 "
                        + "turn into two different domains; give it in A-labels (xn--…)");
            }
        }
        try {
            return IDN.toASCII(domain, IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw new AddressFormatException("domain is not a valid host name");
        }
    }

    /** A host name label (RFC 1123) in lower case: 1 to 63 letters, digits and inner hyphens. */
    private static boolean hostLabel(String domain, int start, int end) {
        if (end == start || end - start > 63 || domain.charAt(start) == '-' || domain.charAt(end - 1) == '-') {
            return false;
        }
        for (int i = start; i < end; i++) {
            char c = domain.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /** Thrown for an address that does not parse; the message says what is wrong without repeating the input. */
    public static final class AddressFormatException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        AddressFormatException(String message) {
            super(message);
        }
    }
}
