package dev.relaymail.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relaymail.core.Templates;
import dev.relaymail.template.MustacheTemplates;

/**
 * The first template a container renders, in a JVM of its own: the bundled {@code welcome}, which has no text
 * template, so that its text part is made from the HTML (entities decoded). Prints the nanoseconds of that first
 * render, class loading included; run it many times and take the median (docs/recipients.md has the figures).
 */
public final class FirstTemplate {
    private FirstTemplate() {}

    public static void main(String[] args) throws Exception {
        ObjectNode data = new ObjectMapper().createObjectNode();
        data.put("name", "Zoë").put("product", "Acme Cloud").put("email", "zoe@example.org");
        data.put("loginUrl", "https://app.example.com/login?lang=de&next=/home");
        MustacheTemplates templates = MustacheTemplates.bundled();
        long start = System.nanoTime();
        Templates.Rendered rendered = templates.render("welcome", data);
        long elapsed = System.nanoTime() - start;
        if (!rendered.text().contains("— The Acme Cloud team")) {
            throw new IllegalStateException("the text part is not what the template makes: " + rendered.text());
        }
        System.out.println(elapsed);
    }
}
