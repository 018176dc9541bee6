package dev.relaymail.idempotency;

import dev.relaymail.config.AwsClients;
import dev.relaymail.core.Accepted;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * Idempotency records in a DynamoDB table with the string partition key {@code id} and TTL on {@code expiresAt}
 * (epoch seconds). A record holds {@code status} ({@code IN_PROGRESS} or {@code COMPLETED}), the request's
 * {@code fingerprint}, {@code inProgressUntil} (epoch milliseconds) while in progress, and the answer when completed.
 * Claims are conditional writes, so two invocations never both win a key.
 */
public final class DynamoDbIdempotencyStore implements IdempotencyStore {
    private static final String IN_PROGRESS = "IN_PROGRESS";
    private static final String COMPLETED = "COMPLETED";

    private final Supplier<DynamoDbClient> lazyClient;
    private final String table;
    private final Clock clock;
    private final Duration ttl;

    public DynamoDbIdempotencyStore(Supplier<DynamoDbClient> client, String table, Clock clock, Duration ttl) {
        this.lazyClient = client;
        this.table = table;
        this.clock = clock;
        this.ttl = ttl;
    }

    /** The table, through a client built the function's way on first use ({@link AwsClients}). */
    public static DynamoDbIdempotencyStore create(String table, Duration ttl) {
        return new DynamoDbIdempotencyStore(AwsClients.lazy(DynamoDbClient::builder), table, Clock.systemUTC(), ttl);
    }

    private DynamoDbClient client() {
        return lazyClient.get();
    }

    @Override
    public Claim claim(String key, String fingerprint, Instant inProgressUntil) throws StoreException {
        Instant now = clock.instant();
        try {
            client().putItem(r -> r.tableName(table)
                    .item(Map.of("id", s(key), "status", s(IN_PROGRESS), "fingerprint", s(fingerprint),
                            "inProgressUntil", n(inProgressUntil.toEpochMilli()),
                            "expiresAt", n(now.plus(ttl).getEpochSecond())))
                    .conditionExpression("attribute_not_exists(id) OR (#status = :inProgress AND inProgressUntil < :now)")
                    .expressionAttributeNames(Map.of("#status", "status"))
                    .expressionAttributeValues(Map.of(":inProgress", s(IN_PROGRESS), ":now", n(now.toEpochMilli()))));
            return new Claimed();
        } catch (ConditionalCheckFailedException e) {
            return existing(key, fingerprint, inProgressUntil);
        } catch (SdkException e) {
            throw new StoreException("claiming an idempotency key: " + e.getMessage(), e);
        }
    }

    private Claim existing(String key, String fingerprint, Instant inProgressUntil) throws StoreException {
        Map<String, AttributeValue> item;
        try {
            item = client().getItem(r -> r.tableName(table).key(Map.of("id", s(key))).consistentRead(true)).item();
        } catch (SdkException e) {
            throw new StoreException("reading an idempotency record: " + e.getMessage(), e);
        }
        if (item == null || item.isEmpty()) {
            return claim(key, fingerprint, inProgressUntil);
        }
        String stored = item.get("fingerprint").s();
        if (!COMPLETED.equals(item.get("status").s())) {
            return new InProgress(stored);
        }
        return new Completed(stored, new Accepted(item.get("messageId").s(),
                Integer.parseInt(item.get("recipients").n()), Integer.parseInt(item.get("bytes").n()), false,
                Optional.empty()));
    }

    @Override
    public void complete(String key, Accepted accepted) throws StoreException {
        try {
            client().updateItem(r -> r.tableName(table).key(Map.of("id", s(key)))
                    .updateExpression("SET #status = :completed, messageId = :messageId, recipients = :recipients, "
                            + "#bytes = :bytes, expiresAt = :expiresAt REMOVE inProgressUntil")
                    .expressionAttributeNames(Map.of("#status", "status", "#bytes", "bytes"))
                    .expressionAttributeValues(Map.of(":completed", s(COMPLETED), ":messageId", s(accepted.messageId()),
                            ":recipients", n(accepted.recipients()), ":bytes", n(accepted.bytes()),
                            ":expiresAt", n(clock.instant().plus(ttl).getEpochSecond()))));
        } catch (SdkException e) {
            throw new StoreException("completing an idempotency record: " + e.getMessage(), e);
        }
    }

    @Override
    public void release(String key) throws StoreException {
        try {
            client().deleteItem(r -> r.tableName(table).key(Map.of("id", s(key)))
                    .conditionExpression("#status = :inProgress")
                    .expressionAttributeNames(Map.of("#status", "status"))
                    .expressionAttributeValues(Map.of(":inProgress", s(IN_PROGRESS))));
        } catch (ConditionalCheckFailedException e) {
            // completed meanwhile or already gone: nothing to release
        } catch (SdkException e) {
            throw new StoreException("releasing an idempotency key: " + e.getMessage(), e);
        }
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
