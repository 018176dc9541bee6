package dev.relaymail.config;

import dev.relaymail.core.Attachment;
import dev.relaymail.core.MailAddress;
import dev.relaymail.core.SenderPolicy;
import dev.relaymail.events.EventSettings;
import dev.relaymail.relay.RelayAddress;
import dev.relaymail.relay.RelaySettings;
import dev.relaymail.relay.RelaySettings.TlsMode;
import dev.relaymail.request.AttachmentPolicy;
import dev.relaymail.request.RequestLimits;
import dev.relaymail.sqs.QueueSettings;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The function's settings, read once from the environment at start and validated; a missing or malformed setting
 * fails with a message naming its variable. An empty value counts as unset (CloudFormation cannot unset a variable).
 */
public record Config(
        RelaySettings relay,
        String secretId,
        Optional<MailAddress> defaultFrom,
        SenderPolicy allowedFrom,
        RequestLimits limits,
        AttachmentPolicy blockedAttachments,
        Optional<URI> deadLetterQueueUrl,
        Optional<String> idempotencyTable,
        Duration idempotencyTtl,
        TemplateSettings templates,
        Set<String> attachmentBuckets,
        QueueSettings queue,
        EventSettings events) {

    /**
     * Relay connections per container: as many as an SQS batch (the template's) has records, so that a batch goes in
     * one round; docs/delivery.md (How many connections) says how it was chosen.
     */
    static final int DEFAULT_CONNECTIONS = 10;
    /** S3's safe key characters. */
    private static final Pattern KEY_PREFIX = Pattern.compile("[A-Za-z0-9!_.*'()/-]{0,512}");
    /** A Secrets Manager secret's name, or its ARN (a name may end in the 6 random characters of its ARN). */
    private static final Pattern SECRET_ID = Pattern.compile(
            "[A-Za-z0-9/_+=.@-]{1,512}|arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}");
    /** A DynamoDB table's name, or its ARN. */
    private static final Pattern TABLE = Pattern.compile(
            "[A-Za-z0-9_.-]{3,255}|arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\\d{12}:table/[A-Za-z0-9_.-]{3,255}");
    /** An EventBridge bus's name, or its ARN. */
    private static final Pattern EVENT_BUS = Pattern.compile(
            "[A-Za-z0-9/_.-]{1,256}|arn:aws[a-z-]*:events:[a-z0-9-]+:\\d{12}:event-bus/[A-Za-z0-9/_.-]{1,256}");
    /** An SQS message comes back at most 12 hours after it was received, so no delay is longer. */
    private static final int MAX_DELAY_SECONDS = 12 * 3600;

    public Config {
        Objects.requireNonNull(relay, "relay");
        Objects.requireNonNull(secretId, "secretId");
        Objects.requireNonNull(defaultFrom, "defaultFrom");
        Objects.requireNonNull(allowedFrom, "allowedFrom");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(blockedAttachments, "blockedAttachments");
        Objects.requireNonNull(deadLetterQueueUrl, "deadLetterQueueUrl");
        Objects.requireNonNull(idempotencyTable, "idempotencyTable");
        Objects.requireNonNull(idempotencyTtl, "idempotencyTtl");
        Objects.requireNonNull(templates, "templates");
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(events, "events");
        attachmentBuckets = Set.copyOf(attachmentBuckets);
    }

    public static Config fromEnvironment(Map<String, String> env) {
        Reader r = new Reader(env);
        TlsMode tls = r.tls();
        Optional<MailAddress> defaultFrom = r.optional("DEFAULT_FROM").map(v -> r.address("DEFAULT_FROM", v));
        SenderPolicy allowed = r.optional("ALLOWED_FROM")
                .map(r::senderPolicy)
                .or(() -> defaultFrom.map(SenderPolicy::only))
                .orElseThrow(
                        () -> new ConfigException(
                                "ALLOWED_FROM is required when DEFAULT_FROM is not set (the function refuses to be an open relay)"));
        defaultFrom.filter(from -> !allowed.allows(from)).ifPresent(from -> {
            throw new ConfigException("DEFAULT_FROM " + from.address() + " is not allowed by ALLOWED_FROM");
        });
        String ehloName =
                defaultFrom.map(MailAddress::domain).or(allowed::anyDomain).orElseThrow();
        RelaySettings relay = new RelaySettings(
                r.relays(r.integer("SMTP_PORT", tls == TlsMode.IMPLICIT ? 465 : 587, 1, 65535)),
                tls,
                r.integer("SMTP_CONNECT_TIMEOUT_MS", 5000, 1, 600_000),
                r.integer("SMTP_TIMEOUT_MS", 10_000, 1, 600_000),
                ehloName,
                r.integer("SMTP_CONNECTIONS", DEFAULT_CONNECTIONS, 1, 32));
        RequestLimits limits = new RequestLimits(
                r.integer("MAX_RECIPIENTS", 50, 1, 10_000),
                r.integer("MAX_MESSAGE_BYTES", 10_485_760, 1024, Integer.MAX_VALUE));
        return new Config(
                relay,
                r.matching(
                        "SMTP_SECRET_ID",
                        r.required("SMTP_SECRET_ID"),
                        SECRET_ID,
                        "a Secrets Manager secret name or ARN"),
                defaultFrom,
                allowed,
                limits,
                r.attachmentPolicy(r.optional("BLOCKED_ATTACHMENTS").orElse(AttachmentPolicy.DEFAULT)),
                r.optional("DEAD_LETTER_QUEUE_URL").map(v -> r.url("DEAD_LETTER_QUEUE_URL", v)),
                r.optional("IDEMPOTENCY_TABLE")
                        .map(v -> r.matching("IDEMPOTENCY_TABLE", v, TABLE, "a DynamoDB table name or ARN")),
                Duration.ofSeconds(r.integer("IDEMPOTENCY_TTL_SECONDS", 86_400, 60, 30 * 86_400)),
                new TemplateSettings(
                        r.optional("TEMPLATE_BUCKET").map(b -> r.bucket("TEMPLATE_BUCKET", b)),
                        r.templatePrefix(),
                        Duration.ofSeconds(r.integer("TEMPLATE_CACHE_SECONDS", 300, 0, 86_400))),
                r.buckets("ATTACHMENT_BUCKETS"),
                r.queueSettings(),
                new EventSettings(
                        r.optional("EVENT_BUS_NAME")
                                .map(v -> r.matching("EVENT_BUS_NAME", v, EVENT_BUS, "an EventBridge bus name or ARN")),
                        r.eventAddresses()));
    }

    /** Reads and checks single variables, naming the variable in every error. */
    private static final class Reader {
        private final Map<String, String> env;

        Reader(Map<String, String> env) {
            this.env = env;
        }

        Optional<String> optional(String name) {
            return Optional.ofNullable(env.get(name)).map(String::strip).filter(v -> !v.isEmpty());
        }

        String required(String name) {
            return optional(name).orElseThrow(() -> new ConfigException(name + " is required"));
        }

        /** The relays of {@code SMTP_HOST}, in order; an entry without a port gets {@code defaultPort}. */
        List<RelayAddress> relays(int defaultPort) {
            try {
                return RelayAddress.parseList(required("SMTP_HOST"), defaultPort);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("SMTP_HOST " + e.getMessage());
            }
        }

        TlsMode tls() {
            String value = optional("SMTP_TLS").orElse("starttls").toLowerCase(Locale.ROOT);
            return switch (value) {
                case "starttls" -> TlsMode.STARTTLS;
                case "implicit" -> TlsMode.IMPLICIT;
                default ->
                    throw new ConfigException(
                            "SMTP_TLS must be starttls or implicit (TLS is never optional), not " + value);
            };
        }

        QueueSettings queueSettings() {
            int delay = integer(
                    "RETRY_DELAY_SECONDS", (int) QueueSettings.DEFAULT_RETRY_DELAY.toSeconds(), 1, MAX_DELAY_SECONDS);
            int delayMax = integer(
                    "RETRY_DELAY_MAX_SECONDS",
                    Math.max(delay, (int) QueueSettings.DEFAULT_RETRY_DELAY_MAX.toSeconds()),
                    1,
                    MAX_DELAY_SECONDS);
            if (delayMax < delay) {
                throw new ConfigException("RETRY_DELAY_MAX_SECONDS must be at least RETRY_DELAY_SECONDS (" + delay
                        + "), not " + delayMax);
            }
            OptionalDouble rate = optional("SEND_RATE")
                    .map(v -> OptionalDouble.of(positive("SEND_RATE", v, "messages per second, such as 0.5")))
                    .orElse(OptionalDouble.empty());
            Duration age = optional("MAX_RETRY_AGE")
                    .map(v -> Duration.ofMillis(
                            Math.round(1000 * positive("MAX_RETRY_AGE", v, "seconds, such as 86400 for 24 hours"))))
                    .orElse(QueueSettings.DEFAULT_MAX_RETRY_AGE);
            return new QueueSettings(rate, age, Duration.ofSeconds(delay), Duration.ofSeconds(delayMax));
        }

        /** A positive, finite decimal number (fractions allowed), at most a year's seconds. */
        double positive(String name, String value, String what) {
            double parsed;
            try {
                parsed = Double.parseDouble(value);
            } catch (NumberFormatException e) {
                parsed = Double.NaN;
            }
            if (!(parsed > 0) || parsed > 31_536_000 || !value.matches("[0-9]*\\.?[0-9]+")) {
                throw new ConfigException(name + " must be a positive number of " + what + ", not " + value);
            }
            return parsed;
        }

        boolean eventAddresses() {
            String value = optional("EVENT_ADDRESSES").orElse("masked").toLowerCase(Locale.ROOT);
            return switch (value) {
                case "masked" -> false;
                case "full" -> true;
                default -> throw new ConfigException("EVENT_ADDRESSES must be masked or full, not " + value);
            };
        }

        int integer(String name, int fallback, int min, int max) {
            Optional<String> value = optional(name);
            if (value.isEmpty()) {
                return fallback;
            }
            try {
                int parsed = Integer.parseInt(value.get());
                if (parsed < min || parsed > max) {
                    throw new ConfigException(name + " must be between " + min + " and " + max + ", not " + parsed);
                }
                return parsed;
            } catch (NumberFormatException e) {
                throw new ConfigException(name + " must be a whole number, not " + value.get());
            }
        }

        MailAddress address(String name, String value) {
            try {
                return MailAddress.parse(value);
            } catch (MailAddress.AddressFormatException e) {
                throw new ConfigException(name + " " + e.getMessage());
            }
        }

        SenderPolicy senderPolicy(String value) {
            try {
                return SenderPolicy.parse(value);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("ALLOWED_FROM " + e.getMessage());
            }
        }

        AttachmentPolicy attachmentPolicy(String value) {
            try {
                return AttachmentPolicy.parse(value);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("BLOCKED_ATTACHMENTS " + e.getMessage());
            }
        }

        String matching(String name, String value, Pattern pattern, String what) {
            if (!pattern.matcher(value).matches()) {
                throw new ConfigException(name + " must be " + what + ", not " + value);
            }
            return value;
        }

        String bucket(String name, String value) {
            if (!Attachment.StoredObject.BUCKET_NAME.matcher(value).matches()) {
                throw new ConfigException(name + " must be an S3 bucket name, not " + value);
            }
            return value;
        }

        Set<String> buckets(String name) {
            Set<String> buckets = new LinkedHashSet<>();
            for (String entry : optional(name).orElse("").split(",")) {
                if (!entry.isBlank()) {
                    buckets.add(bucket(name, entry.strip()));
                }
            }
            return buckets;
        }

        /** A key prefix ending in a slash, or empty for the bucket's top level. */
        String templatePrefix() {
            String prefix = Optional.ofNullable(env.get("TEMPLATE_PREFIX"))
                    .map(String::strip)
                    .orElse("templates/");
            if (!KEY_PREFIX.matcher(prefix).matches() || prefix.startsWith("/") || prefix.contains("..")) {
                throw new ConfigException("TEMPLATE_PREFIX must be a key prefix such as templates/, not " + prefix);
            }
            return prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/";
        }

        URI url(String name, String value) {
            try {
                URI uri = new URI(value);
                if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme()) || uri.getHost() == null) {
                    throw new ConfigException(name + " must be an SQS queue URL, not " + value);
                }
                return uri;
            } catch (URISyntaxException e) {
                throw new ConfigException(name + " must be an SQS queue URL, not " + value);
            }
        }
    }
}
