package dev.relaymail.idempotency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relaymail.aws.AwsJsonClient;
import dev.relaymail.core.Accepted;
import dev.relaymail.testing.Moto;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The idempotency records in moto_server's DynamoDB, written both ways: with the function's own signed calls, and
 * with the real SDK. Both must keep the same records with the same rules.
 */
class DynamoDbIdempotencyStoreIT {
    private static final Duration TTL = Duration.ofHours(24);

    /** The two ways of reaching the table. */
    enum Way {
        SIGNED, SDK;

        DynamoDbIdempotencyStore store(String table) {
            ItemTable items = this == SIGNED
                    ? new SignedItemTable(AwsJsonClient.fromEnvironment(System.getenv(),
                            AwsJsonClient.Service.DYNAMODB).orElseThrow(), table)
                    : new SdkItemTable(Moto::dynamoDb, table);
            return new DynamoDbIdempotencyStore(items, Clock.systemUTC(), TTL);
        }
    }

    private static Instant later() {
        return Instant.now().plusSeconds(60);
    }

    @ParameterizedTest
    @EnumSource(Way.class)
    void aKeyIsClaimedOnceAndItsAnswerIsKept(Way way) throws Exception {
        DynamoDbIdempotencyStore store = way.store(Moto.idempotencyTable());

        assertInstanceOf(IdempotencyStore.Claimed.class, store.claim("k1", "fp", later()));
        assertEquals(new IdempotencyStore.InProgress("fp"), store.claim("k1", "fp", later()));
        Accepted accepted = new Accepted("<id@example.com>", 2, 33500, false, Optional.of("relay:587"));
        store.complete("k1", accepted);
        store.release("k1"); // completed: nothing to release

        assertEquals(new IdempotencyStore.Completed("fp", new Accepted("<id@example.com>", 2, 33500, false,
                Optional.empty())), store.claim("k1", "other", later()));
    }

    @ParameterizedTest
    @EnumSource(Way.class)
    void aReleasedKeyOrAnAbandonedClaimCanBeClaimedAgain(Way way) throws Exception {
        DynamoDbIdempotencyStore store = way.store(Moto.idempotencyTable());

        store.claim("released", "fp", later());
        store.release("released");
        assertInstanceOf(IdempotencyStore.Claimed.class, store.claim("released", "fp", later()));

        store.claim("abandoned", "fp", Instant.now().minusSeconds(1));
        assertInstanceOf(IdempotencyStore.Claimed.class, store.claim("abandoned", "fp", later()),
                "the first claim's invocation is over");
    }

    @ParameterizedTest
    @EnumSource(Way.class)
    void aTableThatCannotBeReachedIsAStoreFailure(Way way) {
        DynamoDbIdempotencyStore store = way.store("no-such-table-" + UUID.randomUUID());

        IdempotencyStore.StoreException e = assertThrows(IdempotencyStore.StoreException.class,
                () -> store.claim("k", "fp", later()));
        assertTrue(e.getMessage().startsWith("claiming an idempotency key: "), e.getMessage());
    }
}
