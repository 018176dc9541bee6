package dev.relaymail.mime;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * The {@code Date} header's value, RFC 5322 in UTC ({@code Thu, 26 Nov 2026 09:15:42 +0000}), formatted once a
 * second: the messages of one second share it. Jakarta Mail would format each message's date anew with a
 * {@code SimpleDateFormat}; the names are RFC 5322's own, so no locale data is loaded for them.
 */
final class DateHeader {
    private static final String[] DAYS = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    private static final String[] MONTHS = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
    };

    private volatile Formatted last = new Formatted(Long.MIN_VALUE, "");

    String format(Instant instant) {
        Formatted formatted = last;
        if (formatted.second() != instant.getEpochSecond()) {
            formatted = new Formatted(instant.getEpochSecond(), rfc5322(instant.getEpochSecond()));
            last = formatted;
        }
        return formatted.text();
    }

    private static String rfc5322(long epochSecond) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(epochSecond, 0, ZoneOffset.UTC);
        return DAYS[t.getDayOfWeek().ordinal()] + ", " + t.getDayOfMonth() + " " + MONTHS[t.getMonthValue() - 1] + " "
                + t.getYear() + " " + twoDigits(t.getHour()) + ":" + twoDigits(t.getMinute()) + ":"
                + twoDigits(t.getSecond()) + " +0000";
    }

    private static String twoDigits(int value) {
        return value < 10 ? "0" + value : Integer.toString(value);
    }

    private record Formatted(long second, String text) {}
}
