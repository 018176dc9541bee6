package dev.relaymail.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relaymail.core.MailAddress;
import dev.relaymail.events.EventSettings;
import dev.relaymail.relay.RelayAddress;
import dev.relaymail.relay.RelaySettings.TlsMode;
import dev.relaymail.sqs.QueueSettings;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigTest {

    static Map<String, String> minimal() {
        Map<String, String> env = new HashMap<>();
        env.put("SMTP_HOST", "smtp.example.com");
        env.put("SMTP_SECRET_ID", "relaymail/smtp");
        env.put("DEFAULT_FROM", "Acme <noreply@example.com>");
        return env;
    }

    static Map<String, String> with(String name, String value) {
        Map<String, String> env = minimal();
        env.put(name, value);
        return env;
    }

    static void assertRefused(Map<String, String> env, String variable) {
        ConfigException e = assertThrows(ConfigException.class, () -> Config.fromEnvironment(env));
        assertTrue(e.getMessage().contains(variable), e.getMessage());
    }

    @Test
    void appliesTheDefaults() {
        Config c = Config.fromEnvironment(minimal());
        assertEquals(
                List.of(new RelayAddress("smtp.example.com", 587)), c.relay().relays());
        assertEquals(TlsMode.STARTTLS, c.relay().tls());
        assertEquals(5000, c.relay().connectTimeoutMillis());
        assertEquals(10000, c.relay().timeoutMillis());
        assertEquals("example.com", c.relay().ehloName());
        assertEquals(50, c.limits().maxRecipients());
        assertEquals(10_485_760, c.limits().maxMessageBytes());
        assertEquals(Optional.empty(), c.deadLetterQueueUrl());
        assertTrue(c.blockedAttachments()
                .refusal("setup.exe", "application/octet-stream")
                .isPresent());
        assertTrue(
                c.allowedFrom().allows(MailAddress.parse("noreply@example.com")),
                "ALLOWED_FROM defaults to the address of DEFAULT_FROM");
        assertFalse(c.allowedFrom().allows(MailAddress.parse("other@example.com")));
    }

    @Test
    void takesTheSecretAndTheTableByNameOrArn() {
        Map<String, String> env = minimal();
        env.put("SMTP_SECRET_ID", "arn:aws:secretsmanager:eu-central-1:123456789012:secret:relaymail/smtp-AbCdEf");
        env.put("IDEMPOTENCY_TABLE", "arn:aws:dynamodb:eu-central-1:123456789012:table/relaymail-idempotency");
        Config c = Config.fromEnvironment(env);
        assertEquals(env.get("SMTP_SECRET_ID"), c.secretId());
        assertEquals(Optional.of(env.get("IDEMPOTENCY_TABLE")), c.idempotencyTable());
    }

    @Test
    void readsEverySetting() {
        Map<String, String> env = minimal();
        env.put("SMTP_PORT", "2525");
        env.put("SMTP_TLS", "IMPLICIT");
        env.put("ALLOWED_FROM", "@example.com, billing@example.org");
        env.put("MAX_RECIPIENTS", "10");
        env.put("MAX_MESSAGE_BYTES", "2048");
        env.put("SMTP_CONNECT_TIMEOUT_MS", "1000");
        env.put("SMTP_TIMEOUT_MS", "3000");
        env.put("DEAD_LETTER_QUEUE_URL", "https://sqs.eu-central-1.amazonaws.com/123456789012/dlq");
        env.put("IDEMPOTENCY_TABLE", "relaymail-idempotency");
        env.put("BLOCKED_ATTACHMENTS", "none");
        Config c = Config.fromEnvironment(env);
        assertTrue(c.blockedAttachments()
                .refusal("setup.exe", "application/octet-stream")
                .isEmpty());
        assertEquals(
                List.of(new RelayAddress("smtp.example.com", 2525)), c.relay().relays());
        assertEquals(TlsMode.IMPLICIT, c.relay().tls());
        assertTrue(c.allowedFrom().allows(MailAddress.parse("billing@example.org")));
        assertEquals(10, c.limits().maxRecipients());
        assertEquals(2048, c.limits().maxMessageBytes());
        assertEquals(1000, c.relay().connectTimeoutMillis());
        assertEquals(3000, c.relay().timeoutMillis());
        assertEquals(
                Optional.of(URI.create("https://sqs.eu-central-1.amazonaws.com/123456789012/dlq")),
                c.deadLetterQueueUrl());
        assertEquals(Optional.of("relaymail-idempotency"), c.idempotencyTable());
    }

    @Test
    void readsTheTemplateAndAttachmentBuckets() {
        Map<String, String> env = with("TEMPLATE_BUCKET", "acme-mail");
        env.put("TEMPLATE_PREFIX", "mail");
        env.put("TEMPLATE_CACHE_SECONDS", "0");
        env.put("ATTACHMENT_BUCKETS", " reports-bucket, ,invoices.example ");
        Config c = Config.fromEnvironment(env);
        assertEquals(new TemplateSettings(Optional.of("acme-mail"), "mail/", Duration.ZERO), c.templates());
        assertEquals(Set.of("reports-bucket", "invoices.example"), c.attachmentBuckets());

        Config defaults = Config.fromEnvironment(with("TEMPLATE_PREFIX", ""));
        assertEquals(new TemplateSettings(Optional.empty(), "", Duration.ofSeconds(300)), defaults.templates());
        assertEquals("templates/", Config.fromEnvironment(minimal()).templates().prefix());
        assertEquals(Set.of(), defaults.attachmentBuckets());
    }

    @Test
    void implicitTlsDefaultsToPort465() {
        assertEquals(
                465,
                Config.fromEnvironment(with("SMTP_TLS", "implicit"))
                        .relay()
                        .relays()
                        .get(0)
                        .port());
    }

    @Test
    void emptyValuesCountAsUnset() {
        Config c = Config.fromEnvironment(with("DEAD_LETTER_QUEUE_URL", "  "));
        assertEquals(Optional.empty(), c.deadLetterQueueUrl());
    }

    @ParameterizedTest
    @CsvSource({
        "SMTP_HOST, ''",
        "SMTP_HOST, 'smtp host'",
        "SMTP_SECRET_ID, ''",
        "SMTP_PORT, 0",
        "SMTP_PORT, abc",
        "SMTP_PORT, 70000",
        "SMTP_TLS, none",
        "SMTP_TLS, plain",
        "DEFAULT_FROM, not-an-address",
        "ALLOWED_FROM, 'ok@example.com, @'",
        "MAX_RECIPIENTS, 0",
        "MAX_MESSAGE_BYTES, 10",
        "SMTP_CONNECT_TIMEOUT_MS, -1",
        "SMTP_TIMEOUT_MS, soon",
        "DEAD_LETTER_QUEUE_URL, 'not a url'",
        "BLOCKED_ATTACHMENTS, 'exe'",
        "TEMPLATE_BUCKET, 'My_Bucket'",
        "TEMPLATE_PREFIX, '/templates/'",
        "TEMPLATE_PREFIX, '../other/'",
        "TEMPLATE_CACHE_SECONDS, -1",
        "TEMPLATE_CACHE_SECONDS, 86401",
        "ATTACHMENT_BUCKETS, 'reports, s3://x'",
        "SMTP_SECRET_ID, 'relay secret'",
        "IDEMPOTENCY_TABLE, ab",
        "IDEMPOTENCY_TABLE, 'relaymail idempotency'",
        "IDEMPOTENCY_TABLE, 'arn:aws:dynamodb:eu-west-1:1:table/t'",
        "SEND_RATE, 0",
        "SEND_RATE, -1",
        "SEND_RATE, abc",
        "SEND_RATE, 1e3",
        "SEND_RATE, NaN",
        "SEND_RATE, Infinity",
        "SEND_RATE, 0.0",
        "MAX_RETRY_AGE, 0",
        "MAX_RETRY_AGE, -3600",
        "MAX_RETRY_AGE, 12h",
        "RETRY_DELAY_SECONDS, 0",
        "RETRY_DELAY_MAX_SECONDS, 50000",
        "EVENT_BUS_NAME, 'a bus'",
        "EVENT_ADDRESSES, some"
    })
    void namesTheMalformedSetting(String variable, String value) {
        assertRefused(with(variable, value), variable);
    }

    @Test
    void readsSeveralRelaysInOrderEachWithItsPortOrTheDefault() {
        Map<String, String> env = with(
                "SMTP_HOST",
                " primary.example.com:587, backup.example.com:2525 ,192.0.2.7," + "[2001:db8::1]:2526,[2001:db8::2]");
        env.put("SMTP_PORT", "2600");
        assertEquals(
                List.of(
                        new RelayAddress("primary.example.com", 587),
                        new RelayAddress("backup.example.com", 2525),
                        new RelayAddress("192.0.2.7", 2600),
                        new RelayAddress("[2001:db8::1]", 2526),
                        new RelayAddress("[2001:db8::2]", 2600)),
                Config.fromEnvironment(env).relay().relays());
    }

    @Test
    void aSingleHostWithAPortNeedsNoSmtpPort() {
        assertEquals(
                List.of(new RelayAddress("smtp.example.com", 2525)),
                Config.fromEnvironment(with("SMTP_HOST", "smtp.example.com:2525"))
                        .relay()
                        .relays());
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "a.example.com,|''",
                "a.example.com,,b.example.com|''",
                "a.example.com:0|a.example.com:0",
                "a.example.com:65536|a.example.com:65536",
                "b.example.com:smtp,a.example.com|b.example.com:smtp",
                "a.example.com:|a.example.com:",
                "a.example.com, bad host:25|bad host:25",
                "2001:db8::1|2001:db8::1",
                ":25|:25",
                "a.example.com:587,b.example.com:-1|b.example.com:-1",
                "a.example.com:123456|a.example.com:123456"
            })
    void refusesAMalformedRelayEntryNamingIt(String value, String entry) {
        ConfigException e = assertThrows(ConfigException.class, () -> Config.fromEnvironment(with("SMTP_HOST", value)));
        assertTrue(e.getMessage().startsWith("SMTP_HOST "), e.getMessage());
        assertTrue(e.getMessage().contains("'" + entry + "'"), e.getMessage());
    }

    @Test
    void refusesARelayListedTwice() {
        assertRefused(with("SMTP_HOST", "a.example.com, a.example.com:587"), "SMTP_HOST lists a.example.com:587 twice");
    }

    @Test
    void refusesToStartWithoutAnySenderRule() {
        Map<String, String> env = minimal();
        env.remove("DEFAULT_FROM");
        assertRefused(env, "ALLOWED_FROM");
    }

    @Test
    void refusesADefaultSenderThatTheAllowlistForbids() {
        assertRefused(with("ALLOWED_FROM", "@example.org"), "DEFAULT_FROM");
    }

    @Test
    void worksWithAnAllowlistAndNoDefaultSender() {
        Map<String, String> env = minimal();
        env.remove("DEFAULT_FROM");
        env.put("ALLOWED_FROM", "@mail.example.org");
        Config c = Config.fromEnvironment(env);
        assertEquals(Optional.empty(), c.defaultFrom());
        assertEquals("mail.example.org", c.relay().ehloName());
    }

    @Test
    void queueAndEventSettingsDefaultToUnpacedTwentyFourHoursAndNoEvents() {
        Config c = Config.fromEnvironment(minimal());
        assertEquals(QueueSettings.defaults(), c.queue());
        assertEquals(Duration.ofHours(24), c.queue().maxRetryAge());
        assertEquals(new EventSettings(Optional.empty(), false), c.events());
    }

    @Test
    void takesFractionalRatesAgesInSecondsAndEventSettings() {
        Map<String, String> env = with("SEND_RATE", "0.5");
        env.put("MAX_RETRY_AGE", "43200");
        env.put("RETRY_DELAY_SECONDS", "30");
        env.put("RETRY_DELAY_MAX_SECONDS", "600");
        env.put("EVENT_BUS_NAME", "mail-events");
        env.put("EVENT_ADDRESSES", "full");
        Config c = Config.fromEnvironment(env);
        assertEquals(OptionalDouble.of(0.5), c.queue().sendRate());
        assertEquals(Duration.ofHours(12), c.queue().maxRetryAge());
        assertEquals(Duration.ofSeconds(30), c.queue().retryDelay());
        assertEquals(Duration.ofMinutes(10), c.queue().retryDelayMax());
        assertEquals(new EventSettings(Optional.of("mail-events"), true), c.events());
        assertEquals(
                Optional.of("arn:aws:events:eu-central-1:123456789012:event-bus/mail"),
                Config.fromEnvironment(
                                with("EVENT_BUS_NAME", "arn:aws:events:eu-central-1:123456789012:event-bus/mail"))
                        .events()
                        .busName());
    }

    @Test
    void refusesARetryDelayCapBelowTheFirstDelay() {
        Map<String, String> env = with("RETRY_DELAY_SECONDS", "120");
        env.put("RETRY_DELAY_MAX_SECONDS", "60");
        assertRefused(env, "RETRY_DELAY_MAX_SECONDS");
    }
}
