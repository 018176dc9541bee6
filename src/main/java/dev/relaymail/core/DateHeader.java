package dev.relaymail.core;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The {@code Date} header's value, RFC 5322 in UTC ({@code Thu, 26 Nov 2026 09:15:42 +0000}), formatted once a
 * second: the messages of one second share it. Jakarta Mail would format each message's date anew with a
 * {@code SimpleDateFormat}.
 */
final class DateHeader {
    private static final DateTimeFormatter RFC_5322 = DateTimeFormatter
            .ofPattern("EEE, d MMM yyyy HH:mm:ss xx", Locale.US).withZone(ZoneOffset.UTC);

    private volatile Formatted last = new Formatted(Long.MIN_VALUE, "");

    String format(Instant instant) {
        Formatted formatted = last;
        if (formatted.second() != instant.getEpochSecond()) {
            formatted = new Formatted(instant.getEpochSecond(), RFC_5322.format(instant));
            last = formatted;
        }
        return formatted.text();
    }

    private record Formatted(long second, String text) {
    }
}
