package dev.relaymail.idempotency;

import dev.relaymail.core.Accepted;
import dev.relaymail.core.Deadline;
import dev.relaymail.core.FieldError;
import dev.relaymail.core.MailException;
import dev.relaymail.core.RequestRejectedException;
import dev.relaymail.core.RetryLaterException;
import dev.relaymail.core.SendRequest;
import dev.relaymail.core.Sender;
import dev.relaymail.logging.LogFields;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Sends each idempotency key at most once while its record lives. The first request with a key claims it (a
 * conditional write), sends, and stores the answer; a repeat gets that answer back without sending; a repeat while
 * the first is still sending is told to retry later; the same key with another payload is refused. A send that
 * fails before the relay accepted gives the key up, so that a retry can send. Requests without a key are sent as
 * they come. When the store cannot be reached nothing is sent: a retry later is better than a duplicate.
 */
public final class IdempotentSender implements Sender {
    private static final Logger LOG = Logger.getLogger(IdempotentSender.class.getName());
    /** An unfinished claim outlives its invocation's deadline by this much before another may take it over. */
    static final Duration CLAIM_MARGIN = Duration.ofSeconds(10);
    /**
     * Kept free after the send, to store its answer: a send may run until its deadline, and a record not completed
     * before the invocation ends is taken over once its claim expires, by a redelivery that sends again.
     */
    static final Duration RECORDING_TIME = Duration.ofMillis(500);

    private final Sender sender;
    private final IdempotencyStore store;
    private final Clock clock;

    public IdempotentSender(Sender sender, IdempotencyStore store, Clock clock) {
        this.sender = sender;
        this.store = store;
        this.clock = clock;
    }

    @Override
    public Accepted send(SendRequest request, Deadline deadline) throws MailException {
        if (request.idempotencyKey().isEmpty()) {
            return sender.send(request, deadline);
        }
        String key = request.idempotencyKey().get();
        String fingerprint = RequestFingerprint.of(request);
        IdempotencyStore.Claim claim;
        try {
            claim = store.claim(
                    key,
                    fingerprint,
                    clock.instant().plusMillis(deadline.remainingMillis()).plus(CLAIM_MARGIN));
        } catch (IdempotencyStore.StoreException e) {
            LOG.log(
                    Level.SEVERE,
                    "idempotency store unavailable; nothing sent",
                    LogFields.of().with("detail", e.getMessage()));
            throw new RetryLaterException(
                    RetryLaterException.Reason.STORE_UNAVAILABLE,
                    "the idempotency store cannot be reached; nothing was sent");
        }
        if (claim instanceof IdempotencyStore.Completed completed) {
            checkSamePayload(completed.fingerprint(), fingerprint);
            return completed.accepted().asReplay();
        }
        if (claim instanceof IdempotencyStore.InProgress inProgress) {
            checkSamePayload(inProgress.fingerprint(), fingerprint);
            throw new RetryLaterException(
                    RetryLaterException.Reason.IN_FLIGHT,
                    "a request with this idempotency key is being sent right now");
        }
        return sendClaimed(request, deadline, key, ((IdempotencyStore.Claimed) claim).token());
    }

    private Accepted sendClaimed(SendRequest request, Deadline deadline, String key, String token)
            throws MailException {
        Accepted accepted;
        try {
            accepted = sender.send(request, deadline.earlier(RECORDING_TIME));
        } catch (MailException | RuntimeException e) {
            try {
                store.release(key, token);
            } catch (IdempotencyStore.StoreException release) {
                LOG.log(
                        Level.SEVERE,
                        "could not release an idempotency key after a failed send; retries wait "
                                + "for the claim to expire",
                        LogFields.of().with("detail", release.getMessage()));
            }
            throw e;
        }
        try {
            store.complete(key, accepted);
        } catch (IdempotencyStore.StoreException e) {
            LOG.log(
                    Level.SEVERE,
                    "the message was sent but its idempotency record could not be completed; a retry "
                            + "after the claim expires would send it again",
                    LogFields.of().with("messageId", accepted.messageId()).with("detail", e.getMessage()));
        }
        return accepted;
    }

    private static void checkSamePayload(String stored, String fingerprint) throws RequestRejectedException {
        if (!stored.equals(fingerprint)) {
            throw new RequestRejectedException(
                    RequestRejectedException.Reason.IDEMPOTENCY_MISMATCH,
                    List.of(new FieldError("idempotencyKey", "was already used for a different request")));
        }
    }
}
