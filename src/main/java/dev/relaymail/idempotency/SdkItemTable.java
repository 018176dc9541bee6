package dev.relaymail.idempotency;

import dev.relaymail.aws.AwsClients;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/** The table through the AWS SDK's DynamoDB client, built the function's way ({@link AwsClients}) on first use. */
final class SdkItemTable implements ItemTable {
    private final Supplier<DynamoDbClient> client;
    private final String table;

    SdkItemTable(Supplier<DynamoDbClient> client, String table) {
        this.client = client;
        this.table = table;
    }

    static SdkItemTable create(String table) {
        return new SdkItemTable(AwsClients.lazy(DynamoDbClient::builder), table);
    }

    @Override
    public boolean put(Map<String, Value> item, Expression condition) throws Unavailable {
        return conditionally(() -> client.get()
                .putItem(r -> r.tableName(table)
                        .item(sdk(item))
                        .conditionExpression(condition.text())
                        .expressionAttributeNames(condition.names())
                        .expressionAttributeValues(sdk(condition.values()))));
    }

    @Override
    public Map<String, Value> get(String id) throws Unavailable {
        Map<String, AttributeValue> item;
        try {
            item = client.get()
                    .getItem(r -> r.tableName(table).key(key(id)).consistentRead(true))
                    .item();
        } catch (SdkException e) {
            throw new Unavailable(e.getMessage(), e);
        }
        Map<String, Value> values = new HashMap<>();
        if (item != null) {
            item.forEach((name, value) -> {
                if (value.s() != null) {
                    values.put(name, Value.s(value.s()));
                } else if (value.n() != null) {
                    values.put(name, new Value(true, value.n()));
                }
            });
        }
        return values;
    }

    @Override
    public void update(String id, Expression update) throws Unavailable {
        try {
            client.get()
                    .updateItem(r -> r.tableName(table)
                            .key(key(id))
                            .updateExpression(update.text())
                            .expressionAttributeNames(update.names())
                            .expressionAttributeValues(sdk(update.values())));
        } catch (SdkException e) {
            throw new Unavailable(e.getMessage(), e);
        }
    }

    @Override
    public boolean delete(String id, Expression condition) throws Unavailable {
        return conditionally(() -> client.get()
                .deleteItem(r -> r.tableName(table)
                        .key(key(id))
                        .conditionExpression(condition.text())
                        .expressionAttributeNames(condition.names())
                        .expressionAttributeValues(sdk(condition.values()))));
    }

    /** Makes a conditional write: false when its condition failed. */
    private static boolean conditionally(Supplier<?> write) throws Unavailable {
        try {
            write.get();
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        } catch (SdkException e) {
            throw new Unavailable(e.getMessage(), e);
        }
    }

    private static Map<String, AttributeValue> key(String id) {
        return Map.of("id", AttributeValue.fromS(id));
    }

    private static Map<String, AttributeValue> sdk(Map<String, Value> values) {
        Map<String, AttributeValue> sdk = new HashMap<>();
        values.forEach((name, value) -> sdk.put(
                name, value.number() ? AttributeValue.fromN(value.text()) : AttributeValue.fromS(value.text())));
        return sdk;
    }
}
