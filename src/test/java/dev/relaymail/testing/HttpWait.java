package dev.relaymail.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The wait an HTTP call that gave up had set, as its failure names it ({@code … did not answer within N ms}): what the
 * code decided to wait, which a test can check instead of how long the wait took.
 */
public final class HttpWait {
    private static final Pattern WITHIN = Pattern.compile("did not answer within (\\d+) ms");

    private HttpWait() {}

    /** The milliseconds {@code failure} says the call waited for; fails the test when it names no such wait. */
    public static long named(String failure) {
        Matcher within = WITHIN.matcher(failure);
        if (!within.find()) {
            fail("no wait named in: " + failure);
        }
        return Long.parseLong(within.group(1));
    }
}
