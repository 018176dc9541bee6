package dev.relaymail.idempotency;

import dev.relaymail.aws.AwsJsonClient;
import dev.relaymail.core.Accepted;
import dev.relaymail.idempotency.ItemTable.Expression;
import dev.relaymail.idempotency.ItemTable.Value;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Idempotency records in a DynamoDB table with the string partition key {@code id} and TTL on {@code expiresAt}
 * (epoch seconds). A record holds {@code status} ({@code IN_PROGRESS} or {@code COMPLETED}), the request's
 * {@code fingerprint}, {@code inProgressUntil} (epoch milliseconds) and the claim's random {@code claimToken} while in
 * progress, and the answer when completed. Claims are conditional writes, so two invocations never both win a key:
 * <ul>
 *   <li>a key is free when it has no record, when its record has expired (DynamoDB deletes expired items only within
 *       days), or when its claim was not finished in time ({@code inProgressUntil});</li>
 *   <li>a claim whose write is retried (its answer lost) finds its own token and still wins, rather than waiting
 *       for itself to expire;</li>
 *   <li>a release deletes the record only while it holds the releasing claim's token, so a release retried late
 *       cannot free a key another invocation has claimed since.</li>
 * </ul>
 */
public final class DynamoDbIdempotencyStore implements IdempotencyStore {
    private static final String IN_PROGRESS = "IN_PROGRESS";
    private static final String COMPLETED = "COMPLETED";

    private final ItemTable table;
    private final Clock clock;
    private final Duration ttl;

    DynamoDbIdempotencyStore(ItemTable table, Clock clock, Duration ttl) {
        this.table = table;
        this.clock = clock;
        this.ttl = ttl;
    }

    /**
     * The table, through the function's own signed calls where the environment allows them (as it does on Lambda
     * without SnapStart; {@link AwsJsonClient#fromEnvironment}), else through the AWS SDK's client, built on first use.
     */
    public static DynamoDbIdempotencyStore create(String table, Duration ttl, Map<String, String> env) {
        ItemTable items = AwsJsonClient.fromEnvironment(env, AwsJsonClient.Service.DYNAMODB)
                .<ItemTable>map(client -> new SignedItemTable(client, table))
                .orElseGet(() -> SdkItemTable.create(table));
        return new DynamoDbIdempotencyStore(items, Clock.systemUTC(), ttl);
    }

    @Override
    public Claim claim(String key, String fingerprint, Instant inProgressUntil) throws StoreException {
        Instant now = clock.instant();
        String token = token();
        boolean claimed;
        try {
            claimed = table.put(
                    Map.of(
                            "id",
                            Value.s(key),
                            "status",
                            Value.s(IN_PROGRESS),
                            "fingerprint",
                            Value.s(fingerprint),
                            "inProgressUntil",
                            Value.n(inProgressUntil.toEpochMilli()),
                            "claimToken",
                            Value.s(token),
                            "expiresAt",
                            Value.n(now.plus(ttl).getEpochSecond())),
                    new Expression(
                            "attribute_not_exists(id) OR expiresAt < :nowSeconds OR (#status = :inProgress "
                                    + "AND (inProgressUntil < :now OR claimToken = :token))",
                            Map.of("#status", "status"),
                            Map.of(
                                    ":inProgress",
                                    Value.s(IN_PROGRESS),
                                    ":now",
                                    Value.n(now.toEpochMilli()),
                                    ":nowSeconds",
                                    Value.n(now.getEpochSecond()),
                                    ":token",
                                    Value.s(token))));
        } catch (ItemTable.Unavailable e) {
            throw new StoreException("claiming an idempotency key: " + e.getMessage(), e);
        }
        return claimed ? new Claimed(token) : existing(key, fingerprint, inProgressUntil);
    }

    private Claim existing(String key, String fingerprint, Instant inProgressUntil) throws StoreException {
        Map<String, Value> item;
        try {
            item = table.get(key);
        } catch (ItemTable.Unavailable e) {
            throw new StoreException("reading an idempotency record: " + e.getMessage(), e);
        }
        if (item.isEmpty()) {
            return claim(key, fingerprint, inProgressUntil);
        }
        String stored = item.get("fingerprint").text();
        if (!COMPLETED.equals(item.get("status").text())) {
            return new InProgress(stored);
        }
        return new Completed(
                stored,
                new Accepted(
                        item.get("messageId").text(),
                        Integer.parseInt(item.get("recipients").text()),
                        Integer.parseInt(item.get("bytes").text()),
                        false,
                        Optional.empty()));
    }

    @Override
    public void complete(String key, Accepted accepted) throws StoreException {
        try {
            table.update(
                    key,
                    new Expression(
                            "SET #status = :completed, messageId = :messageId, "
                                    + "recipients = :recipients, #bytes = :bytes, expiresAt = :expiresAt REMOVE inProgressUntil",
                            Map.of("#status", "status", "#bytes", "bytes"),
                            Map.of(
                                    ":completed",
                                    Value.s(COMPLETED),
                                    ":messageId",
                                    Value.s(accepted.messageId()),
                                    ":recipients",
                                    Value.n(accepted.recipients()),
                                    ":bytes",
                                    Value.n(accepted.bytes()),
                                    ":expiresAt",
                                    Value.n(clock.instant().plus(ttl).getEpochSecond()))));
        } catch (ItemTable.Unavailable e) {
            throw new StoreException("completing an idempotency record: " + e.getMessage(), e);
        }
    }

    @Override
    public void release(String key, String token) throws StoreException {
        try {
            // false: completed meanwhile, claimed by another since, or already gone, so nothing to release
            table.delete(
                    key,
                    new Expression(
                            "#status = :inProgress AND claimToken = :token",
                            Map.of("#status", "status"),
                            Map.of(":inProgress", Value.s(IN_PROGRESS), ":token", Value.s(token))));
        } catch (ItemTable.Unavailable e) {
            throw new StoreException("releasing an idempotency key: " + e.getMessage(), e);
        }
    }

    /** 128 random bits: unique among the claims of one key, which is all a token must be. */
    private static String token() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong());
    }
}
