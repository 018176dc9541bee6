package dev.relaymail.core;

/** Where attachments given by reference are read from (S3 in production). */
public interface ObjectStore {

    /**
     * Reads a whole object, refusing before its content is transferred when it is larger than {@code maxBytes}.
     *
     * @throws ReadFailure saying whether the object is missing, forbidden, too large, or the store unreachable
     */
    byte[] read(Attachment.StoredObject object, long maxBytes, Deadline deadline) throws ReadFailure;

    /** Why an object could not be read; the detail is safe to show to the caller. */
    final class ReadFailure extends Exception {
        private static final long serialVersionUID = 1L;

        public enum Kind {
            MISSING,
            FORBIDDEN,
            TOO_LARGE,
            UNAVAILABLE
        }

        private final Kind kind;

        public ReadFailure(Kind kind, String detail) {
            super(detail, null, false, false);
            this.kind = kind;
        }

        public Kind kind() {
            return kind;
        }
    }
}
