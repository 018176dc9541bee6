package dev.relaymail.idempotency;

import dev.relaymail.core.Accepted;
import java.time.Instant;

/** Where idempotency records live: one per key, in progress or completed with the answer. */
public interface IdempotencyStore {

    /**
     * Claims the key for a send, unless another send holds it (in progress and not yet expired) or completed it.
     *
     * @param inProgressUntil when an unfinished claim may be taken over (the claiming invocation must be over)
     */
    Claim claim(String key, String fingerprint, Instant inProgressUntil) throws StoreException;

    /** Stores the relay's answer for the key; repeats of the key get it back until the record expires. */
    void complete(String key, Accepted accepted) throws StoreException;

    /**
     * Gives the key up after a send that did not go through, so that a retry can send; only while this claim (its
     * {@link Claimed#token}) still holds it, never another invocation's claim that took over an expired one.
     */
    void release(String key, String token) throws StoreException;

    /** What {@link #claim} found. */
    sealed interface Claim permits Claimed, InProgress, Completed {}

    /** The key is ours: send. The token tells this claim from a later one of the same key. */
    record Claimed(String token) implements Claim {}

    /** Another invocation is sending under this key right now. */
    record InProgress(String fingerprint) implements Claim {}

    /** The key was sent before; this is the answer the relay gave then. */
    record Completed(String fingerprint, Accepted accepted) implements Claim {}

    /** The store could not be read or written. */
    final class StoreException extends Exception {
        private static final long serialVersionUID = 1L;

        public StoreException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
