package dev.relaymail.template;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The plain-text alternative of an HTML body, for mail readers that show text and for spam filters that compare the
 * two: tags removed, block elements on lines of their own, list items marked, links written as
 * {@code label (url)}, entities decoded; the head, styles and scripts dropped.
 */
final class HtmlText {
    private static final Pattern DROPPED = Pattern.compile(
            "<!--.*?-->|<![^>]*>|<\\?[^>]*>|<(head|style|script|title)\\b[^>]*>.*?</\\1\\s*>",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern TAG =
            Pattern.compile("<(/?)([a-zA-Z][a-zA-Z0-9]*)\\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>");
    private static final Pattern HREF =
            Pattern.compile("\\bhref\\s*=\\s*(\"([^\"]*)\"|'([^']*)'|([^\\s>]+))", Pattern.CASE_INSENSITIVE);
    private static final Pattern ALT =
            Pattern.compile("\\balt\\s*=\\s*(\"([^\"]*)\"|'([^']*)')", Pattern.CASE_INSENSITIVE);
    private static final Set<String> BLOCKS = Set.of(
            "p",
            "div",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "table",
            "tr",
            "ul",
            "ol",
            "blockquote",
            "section",
            "article",
            "header",
            "footer",
            "pre",
            "address",
            "hr");

    private HtmlText() {}

    static String of(String html) {
        String kept = DROPPED.matcher(html).replaceAll("");
        StringBuilder out = new StringBuilder(kept.length());
        Matcher tag = TAG.matcher(kept);
        int at = 0;
        String href = null;
        int linkStart = 0;
        while (tag.find()) {
            text(kept.substring(at, tag.start()), out);
            at = tag.end();
            boolean closing = !tag.group(1).isEmpty();
            String name = tag.group(2).toLowerCase(Locale.ROOT);
            String attributes = tag.group(3);
            if (name.equals("br")) {
                out.append('\n');
            } else if (name.equals("li") && !closing) {
                out.append("\n- ");
            } else if ((name.equals("td") || name.equals("th")) && !closing) {
                out.append(' ');
            } else if (BLOCKS.contains(name)) {
                out.append("\n\n");
            } else if (name.equals("img") && !closing) {
                attribute(ALT, attributes)
                        .filter(alt -> !alt.isBlank())
                        .ifPresent(alt -> out.append(decode(alt, true)));
            } else if (name.equals("a") && !closing) {
                href = attribute(HREF, attributes)
                        .map(value -> decode(value, true))
                        .orElse(null);
                linkStart = out.length();
            } else if (name.equals("a") && href != null) {
                String label = out.substring(linkStart).strip();
                if (!href.isEmpty()
                        && !href.startsWith("#")
                        && !label.equals(href)
                        && !label.equals(href.replaceFirst("^mailto:", ""))) {
                    out.append(label.isEmpty() ? href : " (" + href + ")");
                }
                href = null;
            }
        }
        text(kept.substring(at), out);
        return tidy(out);
    }

    /** Text between tags: its white space collapsed as a browser would, its entities decoded. */
    private static void text(String raw, StringBuilder out) {
        String collapsed = raw.replaceAll("\\s+", " ");
        boolean afterSpace = out.length() == 0 || Character.isWhitespace(out.charAt(out.length() - 1));
        if (afterSpace && collapsed.startsWith(" ")) {
            collapsed = collapsed.substring(1);
        }
        out.append(decode(collapsed, false));
    }

    private static Optional<String> attribute(Pattern pattern, String attributes) {
        Matcher m = pattern.matcher(attributes);
        if (!m.find()) {
            return Optional.empty();
        }
        for (int group = 2; group <= m.groupCount(); group++) {
            if (m.group(group) != null) {
                return Optional.of(m.group(group));
            }
        }
        return Optional.empty();
    }

    /** The text with its character references decoded; a no-break space is a space here. */
    private static String decode(String text, boolean inAttribute) {
        return HtmlEntities.decode(text, inAttribute).replace('\u00A0', ' ');
    }

    /** Lines without surrounding spaces, at most one empty line in a row, none at either end. */
    private static String tidy(StringBuilder text) {
        StringBuilder out = new StringBuilder(text.length());
        int blank = 0;
        for (String line : text.toString().split("\n", -1)) {
            String stripped = line.strip();
            if (stripped.isEmpty()) {
                blank++;
                continue;
            }
            if (out.length() > 0) {
                out.append(blank > 0 ? "\n\n" : "\n");
            }
            blank = 0;
            out.append(stripped);
        }
        return out.append(out.length() > 0 ? "\n" : "").toString();
    }
}
