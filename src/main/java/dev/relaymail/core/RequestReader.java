package dev.relaymail.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.ParseException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns the JSON body of a send request into a {@link SendRequest}, checking every rule of the contract and
 * reporting every problem at once, each with the path of its field ({@code to[1]}, {@code attachments[0].content}).
 */
public final class RequestReader {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private static final Set<String> FIELDS = Set.of("from", "to", "cc", "bcc", "replyTo", "subject", "text", "html",
            "attachments", "headers", "tags", "idempotencyKey");
    private static final Set<String> ATTACHMENT_FIELDS = Set.of("filename", "contentType", "content", "contentId");
    private static final Set<String> ALLOWED_HEADERS = Set.of("list-unsubscribe", "list-unsubscribe-post", "list-id",
            "precedence", "auto-submitted");
    private static final Pattern HEADER_NAME = Pattern.compile("[!-9;-~]{1,76}");
    private static final Pattern CONTENT_ID = Pattern.compile("[A-Za-z0-9!#$%&'*+/=?^_`{|}~.@-]+");
    private static final Pattern TAG_KEY = Pattern.compile("[A-Za-z0-9_.:-]+");

    private final RequestLimits limits;
    private final Optional<MailAddress> defaultFrom;
    private final AttachmentPolicy attachmentPolicy;

    public RequestReader(RequestLimits limits, Optional<MailAddress> defaultFrom, AttachmentPolicy attachmentPolicy) {
        this.limits = limits;
        this.defaultFrom = defaultFrom;
        this.attachmentPolicy = attachmentPolicy;
    }

    /**
     * Reads a request body.
     *
     * @param body      the raw JSON bytes
     * @param headerKey the {@code Idempotency-Key} header, when the request came with one
     */
    public SendRequest read(byte[] body, Optional<String> headerKey) throws RequestRejectedException {
        return read(parse(() -> JSON.readTree(body)), headerKey);
    }

    /** Reads a request body that arrived as text (an SQS message body), without converting it to bytes first. */
    public SendRequest read(String body, Optional<String> headerKey) throws RequestRejectedException {
        return read(parse(() -> JSON.readTree(body)), headerKey);
    }

    private static JsonNode parse(JsonSource source) throws RequestRejectedException {
        JsonNode root;
        try {
            root = source.read();
        } catch (JsonProcessingException e) {
            throw RequestRejectedException.invalid("body", "is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalStateException("reading from memory", e);
        }
        if (root == null || root.isMissingNode()) {
            throw RequestRejectedException.invalid("body", "is empty");
        }
        if (!root.isObject()) {
            throw RequestRejectedException.invalid("body", "must be a JSON object");
        }
        return root;
    }

    /** JSON read from memory. */
    @FunctionalInterface
    private interface JsonSource {
        JsonNode read() throws IOException;
    }

    private SendRequest read(JsonNode root, Optional<String> headerKey) throws RequestRejectedException {
        Problems problems = new Problems();
        unknownFields(root, FIELDS, "", problems);

        Optional<MailAddress> from = optionalAddress(root.get("from"), "from", problems);
        if (from.isEmpty() && absent(root.get("from"))) {
            from = defaultFrom;
            if (from.isEmpty()) {
                problems.add("from", "is required (no DEFAULT_FROM is configured)");
            }
        }
        List<MailAddress> to = addresses(root.get("to"), "to", problems);
        List<MailAddress> cc = addresses(root.get("cc"), "cc", problems);
        List<MailAddress> bcc = addresses(root.get("bcc"), "bcc", problems);
        List<MailAddress> replyTo = addresses(root.get("replyTo"), "replyTo", problems);
        int recipients = count(root.get("to")) + count(root.get("cc")) + count(root.get("bcc"));
        if (recipients == 0) {
            problems.add("to", "at least one recipient is required in to, cc or bcc");
        } else if (recipients > limits.maxRecipients()) {
            problems.add("to", "too many recipients: " + recipients + " (limit " + limits.maxRecipients()
                    + ", counting to, cc and bcc)");
        }

        String subject = subject(root.get("subject"), problems);
        Optional<String> text = body(root.get("text"), "text", problems);
        Optional<String> html = body(root.get("html"), "html", problems);
        if (text.isEmpty() && html.isEmpty() && absentOrString(root.get("text")) && absentOrString(root.get("html"))) {
            problems.add("text", "text or html is required");
        }
        List<Attachment> attachments = attachments(root.get("attachments"), html.isPresent(), problems);
        List<Header> headers = headers(root.get("headers"), problems);
        Map<String, String> tags = tags(root.get("tags"), problems);
        Optional<String> key = idempotencyKey(root.get("idempotencyKey"), headerKey, problems);

        problems.throwIfAny();
        return new SendRequest(from.orElseThrow(), to, cc, bcc, replyTo, subject, text, html, attachments, headers,
                tags, key);
    }

    private static void unknownFields(JsonNode object, Set<String> known, String prefix, Problems problems) {
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                problems.add(prefix + printable(name), "unknown field");
            }
        }
    }

    private static Optional<MailAddress> optionalAddress(JsonNode node, String field, Problems problems) {
        if (absent(node)) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            problems.add(field, "must be a string");
            return Optional.empty();
        }
        return address(node.textValue(), field, problems);
    }

    private static Optional<MailAddress> address(String raw, String field, Problems problems) {
        try {
            return Optional.of(MailAddress.parse(raw));
        } catch (MailAddress.AddressFormatException e) {
            problems.add(field, "is not a valid address: " + e.getMessage());
            return Optional.empty();
        }
    }

    private static List<MailAddress> addresses(JsonNode node, String field, Problems problems) {
        List<MailAddress> result = new ArrayList<>();
        if (absent(node)) {
            return result;
        }
        if (node.isTextual()) {
            address(node.textValue(), field, problems).ifPresent(result::add);
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                JsonNode item = node.get(i);
                String path = field + "[" + i + "]";
                if (item.isTextual()) {
                    address(item.textValue(), path, problems).ifPresent(result::add);
                } else {
                    problems.add(path, "must be a string");
                }
            }
        } else {
            problems.add(field, "must be a string or an array of strings");
        }
        return result;
    }

    private static int count(JsonNode node) {
        if (absent(node)) {
            return 0;
        }
        return node.isArray() ? node.size() : 1;
    }

    private static String subject(JsonNode node, Problems problems) {
        if (absent(node)) {
            problems.add("subject", "is required");
            return "";
        }
        if (!node.isTextual()) {
            problems.add("subject", "must be a string");
            return "";
        }
        String subject = node.textValue().strip();
        if (subject.isEmpty()) {
            problems.add("subject", "must not be empty");
        } else if (Text.hasControl(subject)) {
            problems.add("subject", "must not contain control characters (CR, LF, NUL, …)");
        } else if (subject.length() > RequestLimits.MAX_SUBJECT_CHARS) {
            problems.add("subject", "is longer than " + RequestLimits.MAX_SUBJECT_CHARS + " characters");
        }
        return subject;
    }

    private static Optional<String> body(JsonNode node, String field, Problems problems) {
        if (absent(node)) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            problems.add(field, "must be a string");
            return Optional.empty();
        }
        String value = node.textValue();
        return value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    private List<Attachment> attachments(JsonNode node, boolean hasHtml, Problems problems) {
        List<Attachment> result = new ArrayList<>();
        if (absent(node)) {
            return result;
        }
        if (!node.isArray()) {
            problems.add("attachments", "must be an array");
            return result;
        }
        if (node.size() > RequestLimits.MAX_ATTACHMENTS) {
            problems.add("attachments", "too many attachments: " + node.size() + " (limit "
                    + RequestLimits.MAX_ATTACHMENTS + ")");
            return result;
        }
        Set<String> contentIds = new HashSet<>();
        for (int i = 0; i < node.size(); i++) {
            String path = "attachments[" + i + "]";
            JsonNode item = node.get(i);
            if (!item.isObject()) {
                problems.add(path, "must be an object");
                continue;
            }
            attachment(item, path, hasHtml, contentIds, problems).ifPresent(result::add);
        }
        return result;
    }

    private Optional<Attachment> attachment(JsonNode item, String path, boolean hasHtml,
            Set<String> contentIds, Problems problems) {
        int before = problems.size();
        unknownFields(item, ATTACHMENT_FIELDS, path + ".", problems);
        String filename = filename(item.get("filename"), path + ".filename", problems);
        String contentType = contentType(item.get("contentType"), filename, path + ".contentType", problems);
        byte[] content = content(item.get("content"), path + ".content", problems);
        Optional<String> contentId = contentId(item.get("contentId"), path + ".contentId", problems);
        if (problems.size() == before) {
            attachmentPolicy.refusal(filename, contentType).ifPresent(why -> problems.add(path, why));
        }
        if (contentId.isPresent()) {
            if (!hasHtml) {
                problems.add(path + ".contentId", "inline parts need an html body that refers to them as cid:");
            }
            if (!contentIds.add(contentId.get().toLowerCase(Locale.ROOT))) {
                problems.add(path + ".contentId", "is used by another attachment");
            }
        }
        if (problems.size() > before) {
            return Optional.empty();
        }
        return Optional.of(new Attachment(filename, contentType, content, contentId));
    }

    private static String filename(JsonNode node, String field, Problems problems) {
        if (absent(node) || !node.isTextual() || node.textValue().isBlank()) {
            problems.add(field, "is required and must be a non-empty string");
            return "";
        }
        String name = node.textValue();
        if (Text.hasControl(name)) {
            problems.add(field, "must not contain control characters (CR, LF, NUL, …)");
        } else if (name.indexOf('/') >= 0 || name.indexOf('\\') >= 0) {
            problems.add(field, "must be a file name without a path");
        } else if (name.length() > RequestLimits.MAX_FILENAME_CHARS) {
            problems.add(field, "is longer than " + RequestLimits.MAX_FILENAME_CHARS + " characters");
        }
        return name;
    }

    private static String contentType(JsonNode node, String filename, String field, Problems problems) {
        if (absent(node)) {
            return ContentTypes.guess(filename);
        }
        if (!node.isTextual()) {
            problems.add(field, "must be a string");
            return ContentTypes.DEFAULT;
        }
        String raw = node.textValue();
        if (Text.hasControl(raw)) {
            problems.add(field, "must not contain control characters (CR, LF, NUL, …)");
            return ContentTypes.DEFAULT;
        }
        try {
            ContentType type = new ContentType(raw);
            if (type.getPrimaryType().equalsIgnoreCase("multipart") || type.getPrimaryType().equalsIgnoreCase("message")) {
                problems.add(field, "multipart/* and message/* are not allowed for attachments");
            }
            return type.toString();
        } catch (ParseException e) {
            problems.add(field, "is not a valid content type such as application/pdf");
            return ContentTypes.DEFAULT;
        }
    }

    private static byte[] content(JsonNode node, String field, Problems problems) {
        if (absent(node) || !node.isTextual()) {
            problems.add(field, "is required and must be a base64 string");
            return new byte[0];
        }
        try {
            return Base64.getDecoder().decode(withoutWhitespace(node.textValue()));
        } catch (IllegalArgumentException e) {
            problems.add(field, "is not valid base64");
            return new byte[0];
        }
    }

    private static String withoutWhitespace(String base64) {
        StringBuilder out = null;
        for (int i = 0; i < base64.length(); i++) {
            char c = base64.charAt(i);
            boolean space = c == ' ' || c == '\r' || c == '\n' || c == '\t';
            if (space && out == null) {
                out = new StringBuilder(base64.length()).append(base64, 0, i);
            } else if (!space && out != null) {
                out.append(c);
            }
        }
        return out == null ? base64 : out.toString();
    }

    private static Optional<String> contentId(JsonNode node, String field, Problems problems) {
        if (absent(node)) {
            return Optional.empty();
        }
        if (!node.isTextual() || !CONTENT_ID.matcher(node.textValue()).matches()
                || node.textValue().length() > RequestLimits.MAX_CONTENT_ID_CHARS) {
            problems.add(field, "must be 1 to " + RequestLimits.MAX_CONTENT_ID_CHARS
                    + " letters, digits or . @ - _ (without < >)");
            return Optional.empty();
        }
        return Optional.of(node.textValue());
    }

    private static List<Header> headers(JsonNode node, Problems problems) {
        List<Header> result = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Map.Entry<String, JsonNode> entry : entries(node, "headers", RequestLimits.MAX_HEADERS, problems)) {
            String name = entry.getKey();
            String field = "headers." + printable(name);
            String lower = name.toLowerCase(Locale.ROOT);
            if (!HEADER_NAME.matcher(name).matches()) {
                problems.add(field, "is not a valid header name");
                continue;
            }
            boolean custom = lower.startsWith("x-") && lower.length() > 2;
            if (!custom && !ALLOWED_HEADERS.contains(lower)) {
                problems.add(field, "is not allowed: use X- headers or List-Unsubscribe, List-Unsubscribe-Post, "
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

    private static Map<String, String> tags(JsonNode node, Problems problems) {
        Map<String, String> result = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : entries(node, "tags", RequestLimits.MAX_TAGS, problems)) {
            String field = "tags." + printable(entry.getKey());
            if (!TAG_KEY.matcher(entry.getKey()).matches() || entry.getKey().length() > RequestLimits.MAX_TAG_KEY_CHARS) {
                problems.add(field, "name must be 1 to " + RequestLimits.MAX_TAG_KEY_CHARS
                        + " letters, digits or _ . : -");
            } else if (!entry.getValue().isTextual()) {
                problems.add(field, "must be a string");
            } else if (Text.hasControl(entry.getValue().textValue())
                    || entry.getValue().textValue().length() > RequestLimits.MAX_TAG_VALUE_CHARS) {
                problems.add(field, "must be at most " + RequestLimits.MAX_TAG_VALUE_CHARS
                        + " characters without control characters");
            } else {
                result.put(entry.getKey(), entry.getValue().textValue());
            }
        }
        return result;
    }

    /** The entries of an optional object of names to strings, none when it is absent or not acceptable. */
    private static List<Map.Entry<String, JsonNode>> entries(JsonNode node, String field, int max,
            Problems problems) {
        List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
        if (absent(node)) {
            return entries;
        }
        if (!node.isObject()) {
            problems.add(field, "must be an object of names to string values");
        } else if (node.size() > max) {
            problems.add(field, "too many " + field + ": " + node.size() + " (limit " + max + ")");
        } else {
            node.fields().forEachRemaining(entries::add);
        }
        return entries;
    }

    private static Optional<String> idempotencyKey(JsonNode node, Optional<String> headerKey, Problems problems) {
        boolean bodyKeyValid = !absent(node) && node.isTextual() && validKey(node.textValue());
        if (!absent(node) && !bodyKeyValid) {
            problems.add("idempotencyKey", keyRule());
        }
        Optional<String> bodyKey = bodyKeyValid ? Optional.of(node.textValue()) : Optional.empty();
        if (headerKey.isPresent() && !validKey(headerKey.get())) {
            problems.add("Idempotency-Key", keyRule());
            return bodyKey;
        }
        if (bodyKey.isPresent() && headerKey.isPresent() && !bodyKey.equals(headerKey)) {
            problems.add("idempotencyKey", "differs from the Idempotency-Key header");
        }
        return headerKey.or(() -> bodyKey);
    }

    private static boolean validKey(String key) {
        return !key.isEmpty() && key.length() <= RequestLimits.MAX_IDEMPOTENCY_KEY_CHARS && Text.isPrintableAscii(key);
    }

    private static String keyRule() {
        return "must be 1 to " + RequestLimits.MAX_IDEMPOTENCY_KEY_CHARS + " printable ASCII characters";
    }

    private static boolean absent(JsonNode node) {
        return node == null || node.isNull();
    }

    private static boolean absentOrString(JsonNode node) {
        return absent(node) || node.isTextual();
    }

    /** A field name fit to echo back: control characters replaced, length capped. */
    private static String printable(String name) {
        StringBuilder out = new StringBuilder(Math.min(name.length(), 80));
        for (int i = 0; i < name.length() && i < 80; i++) {
            char c = name.charAt(i);
            out.append(Text.isControl(c) ? '?' : c);
        }
        return out.toString();
    }

    /** Collects every problem so that the answer lists them all. */
    private static final class Problems {
        private final List<FieldError> errors = new ArrayList<>();

        void add(String field, String message) {
            errors.add(new FieldError(field, message));
        }

        int size() {
            return errors.size();
        }

        void throwIfAny() throws RequestRejectedException {
            if (!errors.isEmpty()) {
                throw RequestRejectedException.invalid(errors);
            }
        }
    }
}
