package dev.relaymail.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
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
}
