package dev.relaymail.template;

import java.util.Optional;

/** Where templates are kept: in the package, or in an S3 bucket. */
public interface TemplateSource {

    /**
     * @return the template's files, or nothing when this source has no template of that name
     * @throws Unavailable when the source cannot be asked right now
     */
    Optional<TemplateFiles> find(String name) throws Unavailable;

    /** A short description for logs and errors, such as {@code s3://bucket/templates/}. */
    String describe();

    /** The source cannot be reached; the detail is safe to log. */
    final class Unavailable extends Exception {
        private static final long serialVersionUID = 1L;

        public Unavailable(String detail) {
            super(detail, null, false, false);
        }
    }
}
