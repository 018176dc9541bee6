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
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The idempotent sender over the real store in moto_server's DynamoDB. */
class IdempotentSenderIT {

    /** The relay gets the invocation's time less what storing the answer needs, so that the answer is stored. */
    @Test
    void theSendLeavesTimeToStoreItsAnswer() throws Exception {
        DynamoDbIdempotencyStore store = DynamoDbIdempotencyStoreIT.Way.SIGNED.store(Moto.idempotencyTable());
        AtomicLong relayMillis = new AtomicLong();
        IdempotentSender sender = new IdempotentSender(
                (request, deadline) -> {
                    relayMillis.set(deadline.remainingMillis());
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

        Deadline deadline = Deadline.in(Duration.ofSeconds(10));
        sender.send(request, deadline);
        long invocationMillis = deadline.remainingMillis();

        assertTrue(
                relayMillis.get() <= invocationMillis - IdempotentSender.RECORDING_TIME.toMillis() + 50
                        && relayMillis.get() > 8_000,
                "the relay had " + relayMillis.get() + " ms of " + invocationMillis);
        assertInstanceOf(
                IdempotencyStore.Completed.class,
                store.claim("reserve-1", "another", Instant.now().plusSeconds(60)),
                "and the answer is stored");
    }
}
