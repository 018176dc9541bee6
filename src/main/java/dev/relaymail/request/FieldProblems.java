package dev.relaymail.request;

import dev.relaymail.core.FieldError;
import dev.relaymail.core.RequestRejectedException;
import java.util.ArrayList;
import java.util.List;

/** Collects every problem with a request so that the answer lists them all, each naming its field. */
final class FieldProblems {
    private final List<FieldError> errors = new ArrayList<>();

    void add(String field, String message) {
        errors.add(new FieldError(field, message));
    }

    void addAll(List<FieldError> more) {
        errors.addAll(more);
    }

    int size() {
        return errors.size();
    }

    void throwIfAny() throws RequestRejectedException {
        if (!errors.isEmpty()) {
            throw RequestRejectedException.invalid(errors);
        }
    }
}
