package dev.relaymail.idempotency;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relaymail.aws.AwsClients;
import dev.relaymail.aws.AwsJsonClient;
import dev.relaymail.core.Deadline;
import dev.relaymail.json.JsonTrees;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The table through the function's own signed calls to DynamoDB's JSON protocol ({@link AwsJsonClient}): a cold
 * start's first keyed message then does not wait for the AWS SDK's client to be built.
 */
final class SignedItemTable implements ItemTable {
    private static final String CONDITION_FAILED = "ConditionalCheckFailedException";
    private static final int MAX_ANSWER_BYTES = 512 * 1024;

    private final AwsJsonClient dynamoDb;
    private final String table;

    SignedItemTable(AwsJsonClient dynamoDb, String table) {
        this.dynamoDb = dynamoDb;
        this.table = table;
    }

    @Override
    public boolean put(Map<String, Value> item, Expression condition) throws Unavailable {
        ObjectNode request = request();
        attributes(request.putObject("Item"), item);
        expression(request, "ConditionExpression", condition);
        return call("PutItem", request, true) != null;
    }

    @Override
    public Map<String, Value> get(String id) throws Unavailable {
        ObjectNode request = request().put("ConsistentRead", true);
        key(request, id);
        JsonNode item;
        try {
            item = JsonTrees.read(call("GetItem", request, false)).path("Item");
        } catch (IOException e) {
            throw new Unavailable("GetItem answered with something that is not JSON", e);
        }
        Map<String, Value> values = new HashMap<>();
        item.fields().forEachRemaining(field -> {
            JsonNode value = field.getValue();
            if (value.path("S").isTextual()) {
                values.put(field.getKey(), Value.s(value.get("S").textValue()));
            } else if (value.path("N").isTextual()) {
                values.put(field.getKey(), new Value(true, value.get("N").textValue()));
            }
        });
        return values;
    }

    @Override
    public void update(String id, Expression update) throws Unavailable {
        ObjectNode request = request();
        key(request, id);
        expression(request, "UpdateExpression", update);
        call("UpdateItem", request, false);
    }

    @Override
    public boolean delete(String id, Expression condition) throws Unavailable {
        ObjectNode request = request();
        key(request, id);
        expression(request, "ConditionExpression", condition);
        return call("DeleteItem", request, true) != null;
    }

    private ObjectNode request() {
        return JsonNodeFactory.instance.objectNode().put("TableName", table);
    }

    private static void key(ObjectNode request, String id) {
        request.putObject("Key").putObject("id").put("S", id);
    }

    private static void expression(ObjectNode request, String field, Expression expression) {
        request.put(field, expression.text());
        ObjectNode names = request.putObject("ExpressionAttributeNames");
        expression.names().forEach(names::put);
        attributes(request.putObject("ExpressionAttributeValues"), expression.values());
    }

    private static void attributes(ObjectNode into, Map<String, Value> values) {
        values.forEach((name, value) -> into.putObject(name).put(value.number() ? "N" : "S", value.text()));
    }

    /**
     * The answer to the call, or null when the call was conditional and its condition failed; any other failure is
     * the table being unavailable.
     */
    private byte[] call(String operation, ObjectNode request, boolean conditional) throws Unavailable {
        try {
            return dynamoDb.call(
                    operation, JsonTrees.bytes(request), MAX_ANSWER_BYTES, Deadline.in(AwsClients.CALL_TIMEOUT));
        } catch (AwsJsonClient.CallFailed e) {
            if (conditional && CONDITION_FAILED.equals(e.errorCode())) {
                return null;
            }
            throw new Unavailable(e.getMessage(), e);
        }
    }
}
