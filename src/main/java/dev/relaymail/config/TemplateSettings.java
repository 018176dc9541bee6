package dev.relaymail.config;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Where templates come from besides the package: an S3 bucket ({@code TEMPLATE_BUCKET}) under a prefix
 * ({@code TEMPLATE_PREFIX}, default {@code templates/}), re-read after {@code TEMPLATE_CACHE_SECONDS}.
 */
public record TemplateSettings(Optional<String> bucket, String prefix, Duration cacheTtl) {
    public TemplateSettings {
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(cacheTtl, "cacheTtl");
    }
}
