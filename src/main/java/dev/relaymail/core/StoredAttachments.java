package dev.relaymail.core;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the attachments a request gives by reference, just before the message is composed (so that a replayed
 * idempotent request reads nothing). Each object is checked against what is left of the message size limit before
 * its content is transferred; base64 makes an attachment a third larger in the message.
 */
public final class StoredAttachments {
    private final ObjectStore store;
    private final long maxMessageBytes;

    public StoredAttachments(ObjectStore store, long maxMessageBytes) {
        this.store = store;
        this.maxMessageBytes = maxMessageBytes;
    }

    /** The request with every attachment's content in hand. */
    public SendRequest resolve(SendRequest request, Deadline deadline) throws MailException {
        if (request.attachments().stream().allMatch(a -> a.content() instanceof Attachment.Bytes)) {
            return request;
        }
        long budget = maxMessageBytes / 4 * 3;
        for (Attachment attachment : request.attachments()) {
            if (attachment.content() instanceof Attachment.Bytes bytes) {
                budget -= bytes.value().length;
            }
        }
        List<Attachment> resolved = new ArrayList<>(request.attachments().size());
        for (int i = 0; i < request.attachments().size(); i++) {
            Attachment attachment = request.attachments().get(i);
            if (attachment.content() instanceof Attachment.StoredObject object) {
                byte[] content = read(object, Math.max(budget, 0), deadline, "attachments[" + i + "].s3");
                budget -= content.length;
                resolved.add(attachment.withBytes(content));
            } else {
                resolved.add(attachment);
            }
        }
        return request.withAttachments(resolved);
    }

    private byte[] read(Attachment.StoredObject object, long maxBytes, Deadline deadline, String field)
            throws MailException {
        try {
            return store.read(object, maxBytes, deadline);
        } catch (ObjectStore.ReadFailure e) {
            throw switch (e.kind()) {
                case MISSING, FORBIDDEN -> RequestRejectedException.invalid(field, e.getMessage());
                case TOO_LARGE ->
                    new RequestRejectedException(
                            RequestRejectedException.Reason.TOO_LARGE,
                            List.of(new FieldError(
                                    field,
                                    e.getMessage() + "; the message may hold at most "
                                            + maxMessageBytes
                                            + " bytes (MAX_MESSAGE_BYTES), attachments a third less once "
                                            + "base64-encoded")));
                case UNAVAILABLE ->
                    new RetryLaterException(
                            RetryLaterException.Reason.STORAGE_UNAVAILABLE, field + ": " + e.getMessage());
            };
        }
    }
}
