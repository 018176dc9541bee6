package dev.relaymail.core;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A file carried by the message. With a {@code contentId} it is an inline part that the HTML refers to as
 * {@code cid:<contentId>}; without, a regular attachment. Its content is either in the request or an object in an
 * S3 bucket, read only when the message is sent ({@link StoredAttachments}).
 *
 * <p>A byte array is owned by this record once constructed: callers hand it over and never change it (copying every
 * attachment would double the memory of a large message).
 */
public record Attachment(String filename, String contentType, Content content, Optional<String> contentId) {

    /** Where the content is. */
    public sealed interface Content permits Bytes, StoredObject {}

    /** The content itself. */
    public record Bytes(byte[] value) implements Content {
        public Bytes {
            Objects.requireNonNull(value, "value");
        }
    }

    /** An object in S3, named by bucket and key. */
    public record StoredObject(String bucket, String key) implements Content {
        /** S3's rules for bucket names (without the dots-as-IP and reserved-prefix details). */
        public static final Pattern BUCKET_NAME = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

        public StoredObject {
            Objects.requireNonNull(bucket, "bucket");
            Objects.requireNonNull(key, "key");
        }

        @Override
        public String toString() {
            return "s3://" + bucket + "/" + key;
        }
    }

    public Attachment {
        Objects.requireNonNull(filename, "filename");
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(contentId, "contentId");
    }

    public Attachment(String filename, String contentType, byte[] bytes, Optional<String> contentId) {
        this(filename, contentType, new Bytes(bytes), contentId);
    }

    public boolean inline() {
        return contentId.isPresent();
    }

    /** The content; only for an attachment whose content is in hand (stored objects are read before composing). */
    public byte[] bytes() {
        if (content instanceof Bytes bytes) {
            return bytes.value();
        }
        throw new IllegalStateException("the content of " + filename + " is still at " + content);
    }

    /** The same attachment with its content in hand. */
    public Attachment withBytes(byte[] bytes) {
        return new Attachment(filename, contentType, new Bytes(bytes), contentId);
    }
}
