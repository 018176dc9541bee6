package dev.relaymail.core;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/** Named message templates: a request may give {@code template} and {@code data} instead of a subject and bodies. */
public interface Templates {

    /**
     * Renders a template with the request's data.
     *
     * @throws RequestRejectedException naming {@code template} when there is no such template, or the
     *                                  {@code data.…} field a template uses that the data lacks
     * @throws RetryLaterException      when the template store cannot be reached and nothing is cached
     */
    Rendered render(String name, JsonNode data) throws RequestRejectedException, RetryLaterException;

    /** What a template produced: a subject, an HTML body and a text body. */
    record Rendered(String subject, String html, String text) {
        public Rendered {
            Objects.requireNonNull(subject, "subject");
            Objects.requireNonNull(html, "html");
            Objects.requireNonNull(text, "text");
        }
    }
}
