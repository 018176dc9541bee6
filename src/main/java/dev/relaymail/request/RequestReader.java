package dev.relaymail.request;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.relaymail.core.Attachment;
import dev.relaymail.core.Header;
import dev.relaymail.core.MailAddress;
import dev.relaymail.core.RequestRejectedException;
import dev.relaymail.core.RetryLaterException;
import dev.relaymail.core.SendRequest;
import dev.relaymail.core.Templates;
import dev.relaymail.core.Text;
import dev.relaymail.json.JsonTrees;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns the JSON body of a send request into a {@link SendRequest}, checking every rule of the contract and
 * reporting every problem at once, each with the path of its field ({@code to[1]}, {@code attachments[0].content}).
 * A request names its subject and bodies, or a {@code template} rendered with its {@code data}.
 */
public final class RequestReader {

    private static final Set<String> FIELDS = Set.of(
            "from",
            "to",
            "cc",
            "bcc",
            "replyTo",
            "subject",
            "text",
            "html",
            "template",
            "data",
            "attachments",
            "headers",
            "unsubscribe",
            "tags",
            "idempotencyKey");
    private static final Pattern TAG_KEY = Pattern.compile("[A-Za-z0-9_.:-]+");
    /** Template names are folder names in the package and key parts in S3: no dots, no slashes. */
    private static final Pattern TEMPLATE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");

    private final RequestLimits limits;
    private final Optional<MailAddress> defaultFrom;
    private final AttachmentsReader attachments;
    private final Templates templates;

    /**
     * @param attachmentBuckets the S3 buckets attachments may be read from by reference; none turns that off
     */
    public RequestReader(
            RequestLimits limits,
            Optional<MailAddress> defaultFrom,
            AttachmentPolicy attachmentPolicy,
            Set<String> attachmentBuckets,
            Templates templates) {
        this.limits = limits;
        this.defaultFrom = defaultFrom;
        this.attachments = new AttachmentsReader(attachmentPolicy, attachmentBuckets);
        this.templates = templates;
    }

    /**
     * Reads a request body.
     *
     * @param body      the raw JSON bytes
     * @param headerKey the {@code Idempotency-Key} header, when the request came with one
     * @throws RetryLaterException when the template store cannot be reached
     */
    public SendRequest read(byte[] body, Optional<String> headerKey)
            throws RequestRejectedException, RetryLaterException {
        return read(parse(() -> JsonTrees.read(body)), headerKey);
    }

    /** Reads a request body that arrived as text (an SQS message body), without converting it to bytes first. */
    public SendRequest read(String body, Optional<String> headerKey)
            throws RequestRejectedException, RetryLaterException {
        return read(parse(() -> JsonTrees.read(body)), headerKey);
    }

    /**
     * Reads the envelope of a batch, {@code {"messages": [request, …]}} with 1 to {@link RequestLimits#MAX_BATCH}
     * requests, and returns the requests unread: each is read (and may fail) on its own. The batch's
     * {@code Idempotency-Key} header, from which each message's key is made, is checked as a message's key is.
     */
    public List<JsonNode> readBatch(byte[] body, Optional<String> headerKey) throws RequestRejectedException {
        JsonNode root = parse(() -> JsonTrees.read(body));
        FieldProblems problems = new FieldProblems();
        checkHeaderKey(headerKey, problems);
        JsonFields.unknown(root, Set.of("messages"), "", problems);
        JsonNode messages = root.get("messages");
        if (JsonFields.absent(messages) || !messages.isArray() || messages.isEmpty()) {
            problems.add("messages", "is required: an array of 1 to " + RequestLimits.MAX_BATCH + " send requests");
        } else if (messages.size() > RequestLimits.MAX_BATCH) {
            problems.add(
                    "messages",
                    "too many messages: " + messages.size() + " (limit " + RequestLimits.MAX_BATCH + " per batch)");
        }
        problems.throwIfAny();
        List<JsonNode> requests = new ArrayList<>(messages.size());
        messages.forEach(requests::add);
        return requests;
    }

    /** Reads a request already parsed: one item of a batch. */
    public SendRequest read(JsonNode request, Optional<String> headerKey)
            throws RequestRejectedException, RetryLaterException {
        if (!request.isObject()) {
            throw RequestRejectedException.invalid("body", "must be a JSON object");
        }
        FieldProblems problems = new FieldProblems();
        JsonFields.unknown(request, FIELDS, "", problems);

        Optional<MailAddress> from = optionalAddress(request.get("from"), "from", problems);
        if (from.isEmpty() && JsonFields.absent(request.get("from"))) {
            from = defaultFrom;
            if (from.isEmpty()) {
                problems.add("from", "is required (no DEFAULT_FROM is configured)");
            }
        }
        List<MailAddress> to = addresses(request.get("to"), "to", problems);
        List<MailAddress> cc = addresses(request.get("cc"), "cc", problems);
        List<MailAddress> bcc = addresses(request.get("bcc"), "bcc", problems);
        List<MailAddress> replyTo = addresses(request.get("replyTo"), "replyTo", problems);
        int recipients = count(request.get("to")) + count(request.get("cc")) + count(request.get("bcc"));
        if (recipients == 0) {
            problems.add("to", "at least one recipient is required in to, cc or bcc");
        } else if (recipients > limits.maxRecipients()) {
            problems.add(
                    "to",
                    "too many recipients: " + recipients + " (limit " + limits.maxRecipients()
                            + ", counting to, cc and bcc)");
        }

        Content content = JsonFields.absent(request.get("template")) && JsonFields.absent(request.get("data"))
                ? literal(request, problems)
                : templated(request, problems);
        List<Attachment> files =
                attachments.read(request.get("attachments"), content.html().isPresent(), problems);
        List<Header> headers = HeadersReader.read(request.get("headers"), request.get("unsubscribe"), problems);
        Map<String, String> tags = tags(request.get("tags"), problems);
        Optional<String> key = idempotencyKey(request.get("idempotencyKey"), headerKey, problems);

        problems.throwIfAny();
        return new SendRequest(
                from.orElseThrow(),
                to,
                cc,
                bcc,
                replyTo,
                content.subject(),
                content.text(),
                content.html(),
                files,
                headers,
                tags,
                key);
    }

    private static JsonNode parse(JsonSource source) throws RequestRejectedException {
        JsonNode root;
        try {
            root = source.read();
        } catch (JsonProcessingException e) {
            // where, never what: the parser's own message quotes the text it stopped at, which may be the message's
            // words or a secret pasted without quotes, and this detail is logged and kept in the dead-letter queue
            JsonLocation at = e.getLocation();
            String parser = String.valueOf(e.getOriginalMessage());
            String reason = e instanceof JsonEOFException
                    ? ": it ends before its value is complete"
                    : parser.startsWith("Duplicate field")
                            ? ": a field is named twice"
                            : parser.startsWith(JsonTrees.TRAILING_CONTENT) ? ": more follows its value" : "";
            throw RequestRejectedException.invalid(
                    "body",
                    "is not valid JSON" + reason
                            + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
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

    /** The subject and bodies of a message. */
    private record Content(String subject, Optional<String> text, Optional<String> html) {}

    /** The subject, text and html the request gives. */
    private static Content literal(JsonNode request, FieldProblems problems) {
        JsonNode subjectNode = request.get("subject");
        String subject = "";
        if (JsonFields.absent(subjectNode)) {
            problems.add("subject", "is required (or a template)");
        } else if (!subjectNode.isTextual()) {
            problems.add("subject", "must be a string");
        } else {
            subject = checkedSubject(subjectNode.textValue(), "", problems);
        }
        Optional<String> text = body(request.get("text"), "text", problems);
        Optional<String> html = body(request.get("html"), "html", problems);
        if (text.isEmpty()
                && html.isEmpty()
                && absentOrString(request.get("text"))
                && absentOrString(request.get("html"))) {
            problems.add("text", "text or html is required");
        }
        return new Content(subject, text, html);
    }

    /** The subject, html and text that the named template makes of the request's data. */
    private Content templated(JsonNode request, FieldProblems problems) throws RetryLaterException {
        int before = problems.size();
        for (String field : List.of("subject", "text", "html")) {
            if (!JsonFields.absent(request.get(field))) {
                problems.add(field, "comes from the template: leave it out");
            }
        }
        JsonNode name = request.get("template");
        if (JsonFields.absent(name)) {
            problems.add("template", "is required with data");
        } else if (!name.isTextual() || !TEMPLATE_NAME.matcher(name.textValue()).matches()) {
            problems.add("template", "must be a template name: 1 to 64 letters, digits, - or _");
        }
        JsonNode data = request.get("data");
        if (!JsonFields.absent(data) && !data.isObject()) {
            problems.add("data", "must be an object");
        }
        if (problems.size() > before) {
            return new Content("", Optional.empty(), Optional.empty());
        }
        try {
            Templates.Rendered rendered = templates.render(
                    name.textValue(), JsonFields.absent(data) ? JsonNodeFactory.instance.objectNode() : data);
            String context = " (rendered from template " + name.textValue() + ")";
            String subject = checkedSubject(rendered.subject(), context, problems);
            Optional<String> text = Optional.of(rendered.text()).filter(t -> !t.isBlank());
            Optional<String> html = Optional.of(rendered.html()).filter(h -> !h.isBlank());
            if (text.isEmpty() && html.isEmpty()) {
                problems.add(
                        "data", "renders an empty message: the template's text and html both came out blank" + context);
            }
            return new Content(subject, text, html);
        } catch (RequestRejectedException e) {
            problems.addAll(e.errors());
            return new Content("", Optional.empty(), Optional.empty());
        }
    }

    private static Optional<MailAddress> optionalAddress(JsonNode node, String field, FieldProblems problems) {
        if (JsonFields.absent(node)) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            problems.add(field, "must be a string");
            return Optional.empty();
        }
        return address(node.textValue(), field, problems);
    }

    private static Optional<MailAddress> address(String raw, String field, FieldProblems problems) {
        try {
            return Optional.of(MailAddress.parse(raw));
        } catch (MailAddress.AddressFormatException e) {
            problems.add(field, "is not a valid address: " + e.getMessage());
            return Optional.empty();
        }
    }

    private static List<MailAddress> addresses(JsonNode node, String field, FieldProblems problems) {
        List<MailAddress> result = new ArrayList<>();
        if (JsonFields.absent(node)) {
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
        if (JsonFields.absent(node)) {
            return 0;
        }
        return node.isArray() ? node.size() : 1;
    }

    /** The subject stripped of surrounding space, with any problem reported on {@code subject}. */
    private static String checkedSubject(String raw, String context, FieldProblems problems) {
        String subject = raw.strip();
        if (subject.isEmpty()) {
            problems.add("subject", "must not be empty" + context);
        } else if (Text.hasControl(subject)) {
            problems.add("subject", "must not contain control characters (CR, LF, NUL, …)" + context);
        } else if (subject.length() > RequestLimits.MAX_SUBJECT_CHARS) {
            problems.add("subject", "is longer than " + RequestLimits.MAX_SUBJECT_CHARS + " characters" + context);
        }
        return subject;
    }

    private static Optional<String> body(JsonNode node, String field, FieldProblems problems) {
        if (JsonFields.absent(node)) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            problems.add(field, "must be a string");
            return Optional.empty();
        }
        String value = node.textValue();
        return value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    private static Map<String, String> tags(JsonNode node, FieldProblems problems) {
        Map<String, String> result = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : JsonFields.entries(node, "tags", RequestLimits.MAX_TAGS, problems)) {
            String field = "tags." + JsonFields.printable(entry.getKey());
            if (!TAG_KEY.matcher(entry.getKey()).matches()
                    || entry.getKey().length() > RequestLimits.MAX_TAG_KEY_CHARS) {
                problems.add(
                        field, "name must be 1 to " + RequestLimits.MAX_TAG_KEY_CHARS + " letters, digits or _ . : -");
            } else if (!entry.getValue().isTextual()) {
                problems.add(field, "must be a string");
            } else if (Text.hasControl(entry.getValue().textValue())
                    || entry.getValue().textValue().length() > RequestLimits.MAX_TAG_VALUE_CHARS) {
                problems.add(
                        field,
                        "must be at most " + RequestLimits.MAX_TAG_VALUE_CHARS
                                + " characters without control characters");
            } else {
                result.put(entry.getKey(), entry.getValue().textValue());
            }
        }
        return result;
    }

    private static Optional<String> idempotencyKey(JsonNode node, Optional<String> headerKey, FieldProblems problems) {
        boolean bodyKeyValid = !JsonFields.absent(node) && node.isTextual() && validKey(node.textValue());
        if (!JsonFields.absent(node) && !bodyKeyValid) {
            problems.add("idempotencyKey", keyRule());
        }
        Optional<String> bodyKey = bodyKeyValid ? Optional.of(node.textValue()) : Optional.empty();
        if (!checkHeaderKey(headerKey, problems)) {
            return bodyKey;
        }
        if (bodyKey.isPresent() && headerKey.isPresent() && !bodyKey.equals(headerKey)) {
            problems.add("idempotencyKey", "differs from the Idempotency-Key header");
        }
        return headerKey.or(() -> bodyKey);
    }

    /** Reports an {@code Idempotency-Key} header that breaks the key rule; false when it did. */
    private static boolean checkHeaderKey(Optional<String> headerKey, FieldProblems problems) {
        if (headerKey.isPresent() && !validKey(headerKey.get())) {
            problems.add("Idempotency-Key", keyRule());
            return false;
        }
        return true;
    }

    private static boolean validKey(String key) {
        return !key.isEmpty() && key.length() <= RequestLimits.MAX_IDEMPOTENCY_KEY_CHARS && Text.isPrintableAscii(key);
    }

    private static String keyRule() {
        return "must be 1 to " + RequestLimits.MAX_IDEMPOTENCY_KEY_CHARS + " printable ASCII characters";
    }

    private static boolean absentOrString(JsonNode node) {
        return JsonFields.absent(node) || node.isTextual();
    }
}
