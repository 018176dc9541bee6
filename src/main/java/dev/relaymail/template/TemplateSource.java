package dev.relaymail.template;

import java.util.Optional;

/** Where templates are kept: in the package, or in an S3 bucket. */
public interface TemplateSource {

    /**
     * @return the template's files, or nothing when this source has no template of that name: a template needs a
     *     subject and an HTML file (the text file is optional)
     * @throws Unavailable when the source cannot be asked right now
     */
    default Optional<TemplateFiles> find(String name) throws Unavailable {
        Optional<String> subject = read(name, TemplateFiles.SUBJECT);
        if (subject.isEmpty()) {
            return Optional.empty();
        }
        Optional<String> html = read(name, TemplateFiles.HTML);
        if (html.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new TemplateFiles(subject.get(), html.get(), read(name, TemplateFiles.TEXT)));
    }

    /**
     * @return one file of the template, or nothing when this source has no such file
     * @throws Unavailable when the source cannot be asked right now
     */
    Optional<String> read(String name, String file) throws Unavailable;

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
