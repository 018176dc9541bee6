package dev.relaymail.idempotency;

import java.util.Map;
import java.util.Objects;

/**
 * The item operations the idempotency store makes on its DynamoDB table (partition key {@code id}), in DynamoDB's
 * terms: through the function's own signed calls ({@link SignedItemTable}) where the environment allows it, else
 * through the AWS SDK's client ({@link SdkItemTable}).
 */
interface ItemTable {
    /** An attribute's value: a string ({@code S}) or a number ({@code N}, in its decimal form). */
    record Value(boolean number, String text) {
        public Value {
            Objects.requireNonNull(text, "text");
        }

        static Value s(String text) {
            return new Value(false, text);
        }

        static Value n(long number) {
            return new Value(true, Long.toString(number));
        }
    }

    /** A condition or update expression with its attribute names ({@code #…}) and values ({@code :…}). */
    record Expression(String text, Map<String, String> names, Map<String, Value> values) {
        public Expression {
            names = Map.copyOf(names);
            values = Map.copyOf(values);
        }
    }

    /** The table could not be read or written: why, in words that show no value. */
    final class Unavailable extends Exception {
        private static final long serialVersionUID = 1L;

        Unavailable(String detail, Throwable cause) {
            super(detail, cause);
        }
    }

    /** Writes the item if {@code condition} holds; false when it does not. */
    boolean put(Map<String, Value> item, Expression condition) throws Unavailable;

    /** The item under {@code id}, read consistently; empty when there is none. */
    Map<String, Value> get(String id) throws Unavailable;

    /** Updates the item under {@code id}. */
    void update(String id, Expression update) throws Unavailable;

    /** Deletes the item under {@code id} if {@code condition} holds; false when it does not. */
    boolean delete(String id, Expression condition) throws Unavailable;
}
