package dev.relaymail.idempotency;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relaymail.core.Accepted;
import dev.relaymail.core.Deadline;
import dev.relaymail.core.MailAddress;
import dev.relaymail.core.SendRequest;
import dev.relaymail.testing.Moto;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The idempotent sender over the real store in moto_server's DynamoDB. */
class IdempotentSenderIT {

    /**
     * The relay gets the invocation's deadline moved {@link IdempotentSender#RECORDING_TIME} earlier, so that the
     * answer is stored. What is checked is the deadline the sender decided on, not how long anything took: the time
     * left before the invocation's deadline is read just before and just after the time left before the relay's, on
     * the same monotonic clock, so the relay's plus the recording time lies between the two however slowly the
     * machine runs (to the millisecond: both are whole milliseconds left, rounded down).
     */
    @Test
    void theSendLeavesTimeToStoreItsAnswer() throws Exception {
        DynamoDbIdempotencyStore store = DynamoDbIdempotencyStoreIT.Way.SIGNED.store(Moto.idempotencyTable());
        Deadline invocation = Deadline.in(Duration.ofMinutes(5));
        long[] left = {-1, -1, -1}; // ms before the invocation's deadline, the relay's, the invocation's again
        IdempotentSender sender = new IdempotentSender(
                (request, relay) -> {
                    left[0] = invocation.remainingMillis();
                    left[1] = relay.remainingMillis();
                    left[2] = invocation.remainingMillis();
                    return new Accepted("<k@example.com>", 1, 100, false, Optional.empty());
                },
                store,
                Clock.systemUTC());
        SendRequest request = new SendRequest(
                MailAddress.parse("billing@example.com"),
                List.of(MailAddress.parse("ann@example.org")),
                List.of(),
                List.of(),
                List.of(),
                "s",
                Optional.of("t"),
                Optional.empty(),
                List.of(),
                List.of(),
                Map.of(),
                Optional.of("reserve-1"));

        sender.send(request, invocation);

        long before = left[0];
        long relay = left[1];
        long after = left[2];
        long recording = IdempotentSender.RECORDING_TIME.toMillis();
        assertTrue(
                after <= relay + recording && relay + recording <= before,
                "the relay had " + relay + " ms left, the invocation " + before + " ms just before and " + after
                        + " ms just after: the relay's deadline is not the invocation's less " + recording + " ms");
        assertInstanceOf(
                IdempotencyStore.Completed.class,
                store.claim("reserve-1", "another", Instant.now().plusSeconds(60)),
                "and the answer is stored");
    }
}
