package dev.relaymail.request;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relaymail.core.Header;
import dev.relaymail.core.MailAddress;
import dev.relaymail.core.Text;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the extra {@code headers} of a request and its {@code unsubscribe} field, which becomes the
 * {@code List-Unsubscribe} and {@code List-Unsubscribe-Post} headers of RFC 2369 and RFC 8058 (one-click
 * unsubscribe, required by Gmail and Yahoo of bulk senders).
 */
final class HeadersReader {
    private static final String LIST_UNSUBSCRIBE = "List-Unsubscribe";
    private static final String LIST_UNSUBSCRIBE_POST = "List-Unsubscribe-Post";
    private static final Set<String> ALLOWED =
            Set.of("list-unsubscribe", "list-unsubscribe-post", "list-id", "precedence", "auto-submitted");
    private static final Pattern NAME = Pattern.compile("[!-9;-~]{1,76}");
    private static final Set<String> UNSUBSCRIBE_FIELDS = Set.of("url", "mailto");

    private HeadersReader() {}

    static List<Header> read(JsonNode headersNode, JsonNode unsubscribeNode, FieldProblems problems) {
        List<Header> result = headers(headersNode, problems);
        if (JsonFields.absent(unsubscribeNode)) {
            return result;
        }
        for (Header header : result) {
            if (header.name().equalsIgnoreCase(LIST_UNSUBSCRIBE)
                    || header.name().equalsIgnoreCase(LIST_UNSUBSCRIBE_POST)) {
                problems.add("headers." + header.name(), "is set by unsubscribe: give one or the other");
            }
        }
        result.addAll(unsubscribe(unsubscribeNode, problems));
        return result;
    }

    private static List<Header> headers(JsonNode node, FieldProblems problems) {
        List<Header> result = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Map.Entry<String, JsonNode> entry :
                JsonFields.entries(node, "headers", RequestLimits.MAX_HEADERS, problems)) {
            String name = entry.getKey();
            String field = "headers." + JsonFields.printable(name);
            String lower = name.toLowerCase(Locale.ROOT);
            if (!NAME.matcher(name).matches()) {
                problems.add(field, "is not a valid header name");
                continue;
            }
            boolean custom = Header.custom(name);
            if (!custom && !ALLOWED.contains(lower)) {
                problems.add(
                        field,
                        "is not allowed: use X- headers or List-Unsubscribe, List-Unsubscribe-Post, "
                                + "List-Id, Precedence, Auto-Submitted");
                continue;
            }
            if (!seen.add(lower)) {
                problems.add(field, "is given twice");
                continue;
            }
            JsonNode value = entry.getValue();
            if (!value.isTextual()) {
                problems.add(field, "must be a string");
            } else if (Text.hasControl(value.textValue())) {
                problems.add(field, "must not contain control characters (CR, LF, NUL, …)");
            } else if (!custom && !Text.isPrintableAscii(value.textValue())) {
                problems.add(field, "must be printable ASCII");
            } else if (value.textValue().length() > RequestLimits.MAX_HEADER_VALUE_CHARS) {
                problems.add(field, "is longer than " + RequestLimits.MAX_HEADER_VALUE_CHARS + " characters");
            } else {
                result.add(new Header(name, value.textValue()));
            }
        }
        return result;
    }

    /**
     * {@code {"url": "https://…", "mailto": "…"}}, at least one of them. The one-click {@code List-Unsubscribe-Post}
     * header is added only with a URL: RFC 8058 makes the receiver POST to it.
     */
    private static List<Header> unsubscribe(JsonNode node, FieldProblems problems) {
        if (!node.isObject()) {
            problems.add("unsubscribe", "must be an object with url and/or mailto");
            return List.of();
        }
        int before = problems.size();
        JsonFields.unknown(node, UNSUBSCRIBE_FIELDS, "unsubscribe.", problems);
        List<String> targets = new ArrayList<>(2);
        JsonNode url = node.get("url");
        boolean oneClick = !JsonFields.absent(url);
        if (oneClick) {
            unsubscribeUrl(url, problems).ifPresent(targets::add);
        }
        JsonNode mailto = node.get("mailto");
        if (!JsonFields.absent(mailto)) {
            if (!mailto.isTextual()) {
                problems.add("unsubscribe.mailto", "must be a string");
            } else {
                try {
                    targets.add(
                            "mailto:" + MailAddress.parse(mailto.textValue()).address());
                } catch (MailAddress.AddressFormatException e) {
                    problems.add("unsubscribe.mailto", "is not a valid address: " + e.getMessage());
                }
            }
        }
        if (JsonFields.absent(url) && JsonFields.absent(mailto)) {
            problems.add("unsubscribe", "needs a url (for one-click unsubscribe) or a mailto address, or both");
        }
        if (problems.size() > before) {
            return List.of();
        }
        List<Header> headers = new ArrayList<>(2);
        headers.add(new Header(
                LIST_UNSUBSCRIBE,
                String.join(", ", targets.stream().map(t -> "<" + t + ">").toList())));
        if (oneClick) {
            headers.add(new Header(LIST_UNSUBSCRIBE_POST, "List-Unsubscribe=One-Click"));
        }
        return headers;
    }

    private static Optional<String> unsubscribeUrl(JsonNode node, FieldProblems problems) {
        String field = "unsubscribe.url";
        if (!node.isTextual()) {
            problems.add(field, "must be a string");
            return Optional.empty();
        }
        String url = node.textValue();
        if (url.length() > RequestLimits.MAX_UNSUBSCRIBE_URL_CHARS) {
            problems.add(field, "is longer than " + RequestLimits.MAX_UNSUBSCRIBE_URL_CHARS + " characters");
        } else if (!Text.isPrintableAscii(url) || url.contains(" ")) {
            problems.add(field, "must be ASCII without spaces: percent-encode the rest");
        } else if (url.indexOf('<') >= 0 || url.indexOf('>') >= 0 || url.indexOf(',') >= 0) {
            problems.add(field, "must not contain < > or , (percent-encode them)");
        } else if (!isHttpsUrl(url)) {
            problems.add(field, "must be an https:// URL (RFC 8058 one-click unsubscribe posts to it)");
        } else {
            return Optional.of(url);
        }
        return Optional.empty();
    }

    private static boolean isHttpsUrl(String url) {
        try {
            URI uri = new URI(url);
            return "https".equalsIgnoreCase(uri.getScheme()) && uri.getHost() != null;
        } catch (URISyntaxException e) {
            return false;
        }
    }
}
