package dev.relaymail.template;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** Templates packaged with the function, under {@code templates/<name>/} on the class path. */
public final class BundledTemplates implements TemplateSource {
    private static final String ROOT = "templates/";

    @Override
    public String describe() {
        return "the package (" + ROOT + ")";
    }

    @Override
    public Optional<String> read(String name, String file) {
        try (InputStream in = BundledTemplates.class.getClassLoader().getResourceAsStream(ROOT + name + "/" + file)) {
            return in == null ? Optional.empty() : Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("reading a template from the package", e);
        }
    }
}
