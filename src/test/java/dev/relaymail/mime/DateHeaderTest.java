package dev.relaymail.mime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class DateHeaderTest {
    private final DateHeader dates = new DateHeader();

    @Test
    void formatsEachSecondInUtcAndNeverServesAStaleOne() {
        Instant now = Instant.parse("2026-11-26T23:59:59.250Z");

        assertEquals("Thu, 26 Nov 2026 23:59:59 +0000", dates.format(now));
        assertEquals("Thu, 26 Nov 2026 23:59:59 +0000", dates.format(now.plusMillis(700)));
        assertEquals("Fri, 27 Nov 2026 00:00:00 +0000", dates.format(now.plusMillis(750)));
        assertEquals("Tue, 1 Dec 2026 08:05:03 +0000", dates.format(Instant.parse("2026-12-01T08:05:03Z")));
        assertEquals("Thu, 26 Nov 2026 23:59:59 +0000", dates.format(now), "an earlier second, as a slow thread has");
    }

    @Test
    void everyDayAndMonthIsNamedAsRfc5322NamesThem() {
        DateTimeFormatter rfc5322 = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss xx", Locale.US)
                .withZone(ZoneOffset.UTC);
        for (Instant t = Instant.parse("2024-01-01T00:00:00Z");
                t.isBefore(Instant.parse("2025-01-01T00:00:00Z"));
                t = t.plusSeconds(86_400 + 3_661)) {
            assertEquals(rfc5322.format(t), dates.format(t));
        }
    }
}
