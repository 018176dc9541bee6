package dev.relaymail.request;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relaymail.core.Attachment;
import dev.relaymail.core.Text;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.ParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the {@code attachments} of a request: each with its content in base64, or by reference to an S3 object in
 * one of the allowed buckets ({@code ATTACHMENT_BUCKETS}).
 */
final class AttachmentsReader {
    private static final Set<String> FIELDS = Set.of("filename", "contentType", "content", "s3", "contentId");
    private static final Pattern CONTENT_ID = Pattern.compile("[A-Za-z0-9!#$%&'*+/=?^_`{|}~.@-]+");
    /** {@code s3://bucket/key}: S3's bucket naming rules, and a key of 1 to 1024 printable characters. */
    private static final Pattern S3_URI = Pattern.compile(
            "s3://(" + Attachment.StoredObject.BUCKET_NAME.pattern() + ")/([^\\x00-\\x1f\\x7f]{1,1024})");

    private final AttachmentPolicy policy;
    private final Set<String> buckets;

    AttachmentsReader(AttachmentPolicy policy, Set<String> buckets) {
        this.policy = policy;
        this.buckets = Set.copyOf(buckets);
    }

    List<Attachment> read(JsonNode node, boolean hasHtml, FieldProblems problems) {
        List<Attachment> result = new ArrayList<>();
        if (JsonFields.absent(node)) {
            return result;
        }
        if (!node.isArray()) {
            problems.add("attachments", "must be an array");
            return result;
        }
        if (node.size() > RequestLimits.MAX_ATTACHMENTS) {
            problems.add(
                    "attachments",
                    "too many attachments: " + node.size() + " (limit " + RequestLimits.MAX_ATTACHMENTS + ")");
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

    private Optional<Attachment> attachment(
            JsonNode item, String path, boolean hasHtml, Set<String> contentIds, FieldProblems problems) {
        int before = problems.size();
        JsonFields.unknown(item, FIELDS, path + ".", problems);
        Attachment.Content content = content(item, path, problems);
        Optional<String> keyName = content instanceof Attachment.StoredObject object
                ? Optional.of(object.key().substring(object.key().lastIndexOf('/') + 1))
                        .filter(n -> !n.isBlank())
                : Optional.empty();
        // a reference that cannot be read has its own problem: the name it would give is not missing
        boolean unreadableReference =
                !JsonFields.absent(item.get("s3")) && !(content instanceof Attachment.StoredObject);
        String filename = unreadableReference && JsonFields.absent(item.get("filename"))
                ? ""
                : filename(item.get("filename"), keyName, path + ".filename", problems);
        String contentType = contentType(item.get("contentType"), filename, path + ".contentType", problems);
        Optional<String> contentId = contentId(item.get("contentId"), path + ".contentId", problems);
        if (problems.size() == before) {
            policy.refusal(filename, contentType).ifPresent(why -> problems.add(path, why));
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

    /** The base64 {@code content}, or the S3 object named by {@code s3}: exactly one of them. */
    private Attachment.Content content(JsonNode item, String path, FieldProblems problems) {
        boolean inline = !JsonFields.absent(item.get("content"));
        boolean stored = !JsonFields.absent(item.get("s3"));
        if (inline && stored) {
            problems.add(path, "give either content or s3, not both");
        } else if (stored) {
            return storedObject(item.get("s3"), path + ".s3", problems);
        }
        return new Attachment.Bytes(base64(item.get("content"), path + ".content", problems));
    }

    /**
     * The object an {@code s3} address names, with a problem when the function may not read it (its key still gives
     * the file name); empty bytes when the address itself cannot be read.
     */
    private Attachment.Content storedObject(JsonNode node, String field, FieldProblems problems) {
        Matcher uri = node.isTextual() ? S3_URI.matcher(node.textValue()) : null;
        if (uri == null || !uri.matches()) {
            problems.add(field, "must be an S3 address such as s3://bucket/path/file.pdf");
            return new Attachment.Bytes(new byte[0]);
        }
        if (buckets.isEmpty()) {
            problems.add(field, "attachments by reference are not enabled (ATTACHMENT_BUCKETS is empty)");
        } else if (!buckets.contains(uri.group(1))) {
            problems.add(field, "bucket " + uri.group(1) + " is not one the function may read (ATTACHMENT_BUCKETS)");
        }
        return new Attachment.StoredObject(uri.group(1), uri.group(2));
    }

    private static String filename(JsonNode node, Optional<String> fallback, String field, FieldProblems problems) {
        if (JsonFields.absent(node) && fallback.isPresent()) {
            return checkedFilename(fallback.get(), field, problems);
        }
        if (JsonFields.absent(node) || !node.isTextual() || node.textValue().isBlank()) {
            problems.add(field, "is required and must be a non-empty string");
            return "";
        }
        return checkedFilename(node.textValue(), field, problems);
    }

    private static String checkedFilename(String name, String field, FieldProblems problems) {
        if (Text.hasControl(name)) {
            problems.add(field, "must not contain control characters (CR, LF, NUL, …)");
        } else if (name.indexOf('/') >= 0 || name.indexOf('\\') >= 0) {
            problems.add(field, "must be a file name without a path");
        } else if (name.length() > RequestLimits.MAX_FILENAME_CHARS) {
            problems.add(field, "is longer than " + RequestLimits.MAX_FILENAME_CHARS + " characters");
        }
        return name;
    }

    private static String contentType(JsonNode node, String filename, String field, FieldProblems problems) {
        if (JsonFields.absent(node)) {
            return ContentTypes.guess(filename);
        }
        if (!node.isTextual()) {
            problems.add(field, "must be a string");
            return ContentTypes.DEFAULT;
        }
        String raw = node.textValue();
        if (!Text.isPrintableAscii(raw)) {
            problems.add(field, "must be printable ASCII (no control characters such as CR, LF or NUL)");
            return ContentTypes.DEFAULT;
        }
        if (raw.length() > RequestLimits.MAX_CONTENT_TYPE_CHARS) {
            problems.add(field, "is longer than " + RequestLimits.MAX_CONTENT_TYPE_CHARS + " characters");
            return ContentTypes.DEFAULT;
        }
        try {
            ContentType type = new ContentType(raw);
            if (type.getPrimaryType().equalsIgnoreCase("multipart")
                    || type.getPrimaryType().equalsIgnoreCase("message")) {
                problems.add(field, "multipart/* and message/* are not allowed for attachments");
            }
            if (namesTheFile(type)) {
                problems.add(field, "must not carry a name parameter: the attachment's name is its filename");
            }
            return type.toString();
        } catch (ParseException e) {
            problems.add(field, "is not a valid content type such as application/pdf");
            return ContentTypes.DEFAULT;
        }
    }

    /** Whether a parameter would name the file ({@code name}, {@code filename}, or their RFC 2231 forms). */
    private static boolean namesTheFile(ContentType type) {
        if (type.getParameterList() == null) {
            return false;
        }
        for (Enumeration<String> names = type.getParameterList().getNames(); names.hasMoreElements(); ) {
            String name = names.nextElement().toLowerCase(Locale.ROOT);
            int star = name.indexOf('*');
            String base = star < 0 ? name : name.substring(0, star);
            if (base.equals("name") || base.equals("filename")) {
                return true;
            }
        }
        return false;
    }

    private static byte[] base64(JsonNode node, String field, FieldProblems problems) {
        if (JsonFields.absent(node) || !node.isTextual()) {
            problems.add(field, "is required (or s3) and must be a base64 string");
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

    private static Optional<String> contentId(JsonNode node, String field, FieldProblems problems) {
        if (JsonFields.absent(node)) {
            return Optional.empty();
        }
        if (!node.isTextual()
                || !CONTENT_ID.matcher(node.textValue()).matches()
                || node.textValue().length() > RequestLimits.MAX_CONTENT_ID_CHARS) {
            problems.add(
                    field,
                    "must be 1 to " + RequestLimits.MAX_CONTENT_ID_CHARS + " letters, digits or . @ - _ (without < >)");
            return Optional.empty();
        }
        return Optional.of(node.textValue());
    }
}
