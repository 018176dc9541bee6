package dev.relaymail.core;

import java.util.Objects;
import java.util.Optional;

/**
 * A file carried by the message. With a {@code contentId} it is an inline part that the HTML refers to as
 * {@code cid:<contentId>}; without, a regular attachment.
 *
 * <p>The content array is owned by this record once constructed: callers hand it over and never change it (copying
 * every attachment would double the memory of a large message).
 */
public record Attachment(String filename, String contentType, byte[] content, Optional<String> contentId) {
    public Attachment {
        Objects.requireNonNull(filename, "filename");
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(contentId, "contentId");
    }

    public boolean inline() {
        return contentId.isPresent();
    }
}
