package dev.relaymail.template;

import java.util.Objects;
import java.util.Optional;

/**
 * The Mustache sources of one template: {@code subject.mustache}, {@code html.mustache} and, optionally,
 * {@code text.mustache} in a folder named after the template.
 */
public record TemplateFiles(String subject, String html, Optional<String> text) {
    public static final String SUBJECT = "subject.mustache";
    public static final String HTML = "html.mustache";
    public static final String TEXT = "text.mustache";

    public TemplateFiles {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(html, "html");
        Objects.requireNonNull(text, "text");
    }
}
