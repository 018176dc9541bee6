package dev.relaymail.idempotency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relaymail.aws.AwsJsonClient;
import dev.relaymail.core.Accepted;
import dev.relaymail.idempotency.ItemTable.Expression;
import dev.relaymail.idempotency.ItemTable.Value;
import dev.relaymail.testing.Moto;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
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
        SIGNED,
        SDK;

        DynamoDbIdempotencyStore store(String table) {
            return new DynamoDbIdempotencyStore(items(table), Clock.systemUTC(), TTL);
        }

        ItemTable items(String table) {
            return this == SIGNED
                    ? new SignedItemTable(
                            AwsJsonClient.fromEnvironment(System.getenv(), AwsJsonClient.Service.DYNAMODB)
                                    .orElseThrow(),
                            table)
                    : new SdkItemTable(Moto::dynamoDb, table);
        }
    }

    private static Instant later() {
        return Instant.now().plusSeconds(60);
    }

    @ParameterizedTest
    @EnumSource(Way.class)
    void aKeyIsClaimedOnceAndItsAnswerIsKept(Way way) throws Exception {
        DynamoDbIdempotencyStore store = way.store(Moto.idempotencyTable());

        IdempotencyStore.Claimed claimed =
                assertInstanceOf(IdempotencyStore.Claimed.class, store.claim("k1", "fp", later()));
        assertEquals(new IdempotencyStore.InProgress("fp"), store.claim("k1", "fp", later()));
        Accepted accepted = new Accepted("<id@example.com>", 2, 33500, false, Optional.of("relay:587"));
        store.complete("k1", accepted);
        store.release("k1", claimed.token()); // completed: nothing to release

        assertEquals(
                new IdempotencyStore.Completed(
                        "fp", new Accepted("<id@example.com>", 2, 33500, false, Optional.empty())),
                store.claim("k1", "other", later()));
    }

    @ParameterizedTest
    @EnumSource(Way.class)
    void aReleasedKeyOrAnAbandonedClaimCanBeClaimedAgain(Way way) throws Exception {
        DynamoDbIdempotencyStore store = way.store(Moto.idempotencyTable());

        store.release("released", ((IdempotencyStore.Claimed) store.claim("released", "fp", later())).token());
        assertInstanceOf(IdempotencyStore.Claimed.class, store.claim("released", "fp", later()));

        store.claim("abandoned", "fp", Instant.now().minusSeconds(1));
        assertInstanceOf(
                IdempotencyStore.Claimed.class,
                store.claim("abandoned", "fp", later()),
                "the first claim's invocation is over");
    }

    /** A release retried late, after another invocation took the expired claim over, leaves that claim alone. */
    @ParameterizedTest
    @EnumSource(Way.class)
    void aReleaseFreesOnlyItsOwnClaim(Way way) throws Exception {
        DynamoDbIdempotencyStore store = way.store(Moto.idempotencyTable());

        IdempotencyStore.Claimed abandoned =
                (IdempotencyStore.Claimed) store.claim("k", "fp", Instant.now().minusSeconds(1));
        IdempotencyStore.Claimed tookOver =
                assertInstanceOf(IdempotencyStore.Claimed.class, store.claim("k", "fp", later()));
        store.release("k", abandoned.token());

        assertEquals(new IdempotencyStore.InProgress("fp"), store.claim("k", "fp", later()), "still held");
        store.release("k", tookOver.token());
        assertInstanceOf(IdempotencyStore.Claimed.class, store.claim("k", "fp", later()));
    }

    /** DynamoDB deletes an expired item only within days: until then it counts as gone. */
    @ParameterizedTest
    @EnumSource(Way.class)
    void aRecordPastItsExpiryIsClaimedAnew(Way way) throws Exception {
        String table = Moto.idempotencyTable();
        DynamoDbIdempotencyStore expiring =
                new DynamoDbIdempotencyStore(way.items(table), Clock.systemUTC(), Duration.ofSeconds(-5));
        expiring.claim("old", "fp", later());
        expiring.complete("old", new Accepted("<id@example.com>", 1, 100, false, Optional.empty()));

        assertInstanceOf(IdempotencyStore.Claimed.class, way.store(table).claim("old", "another", later()));
    }

    /** A claim's write retried after its answer was lost finds its own claim: it is claimed, not in progress. */
    @ParameterizedTest
    @EnumSource(Way.class)
    void aClaimWrittenTwiceIsStillClaimed(Way way) throws Exception {
        ItemTable items = way.items(Moto.idempotencyTable());
        ItemTable answerLostOnce = new ItemTable() {
            @Override
            public boolean put(Map<String, Value> item, Expression condition) throws Unavailable {
                items.put(item, condition);
                return items.put(item, condition);
            }

            @Override
            public Map<String, Value> get(String id) throws Unavailable {
                return items.get(id);
            }

            @Override
            public void update(String id, Expression update) throws Unavailable {
                items.update(id, update);
            }

            @Override
            public boolean delete(String id, Expression condition) throws Unavailable {
                return items.delete(id, condition);
            }
        };
        DynamoDbIdempotencyStore store = new DynamoDbIdempotencyStore(answerLostOnce, Clock.systemUTC(), TTL);

        assertInstanceOf(IdempotencyStore.Claimed.class, store.claim("twice", "fp", later()));
        assertEquals(new IdempotencyStore.InProgress("fp"), store.claim("twice", "fp", later()), "a new claim waits");
    }

    @ParameterizedTest
    @EnumSource(Way.class)
    void aTableThatCannotBeReachedIsAStoreFailure(Way way) {
        DynamoDbIdempotencyStore store = way.store("no-such-table-" + UUID.randomUUID());

        IdempotencyStore.StoreException e =
                assertThrows(IdempotencyStore.StoreException.class, () -> store.claim("k", "fp", later()));
        assertTrue(e.getMessage().startsWith("claiming an idempotency key: "), e.getMessage());
    }
}
