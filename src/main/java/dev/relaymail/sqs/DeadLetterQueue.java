package dev.relaymail.sqs;

import dev.relaymail.core.Deadline;
import dev.relaymail.core.MailException;
import dev.relaymail.core.RelayException;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/** Where records that can never be sent are kept, with the reason, so that nothing is lost. */
public interface DeadLetterQueue {

    /**
     * Keeps the record with its reason, within the invocation's deadline.
     *
     * @throws DeadLetterException when it could not be kept, in time or at all; the record must then be reported as
     *                             a failure
     */
    void keep(SqsRecord record, Reason reason, Deadline deadline) throws DeadLetterException;

    /**
     * Why a record is kept: a short code, the detail, the relay's reply code if it gave one, and for a record given up
     * on the code of its last failure.
     */
    record Reason(String error, String detail, OptionalInt smtpCode, Optional<String> lastError) {
        public Reason {
            Objects.requireNonNull(error, "error");
            Objects.requireNonNull(detail, "detail");
            Objects.requireNonNull(smtpCode, "smtpCode");
            Objects.requireNonNull(lastError, "lastError");
        }

        /** A permanent failure. */
        public static Reason of(MailException failure) {
            return new Reason(failure.code(), failure.getMessage(), smtpCode(failure), Optional.empty());
        }

        /**
         * A record that kept failing for now until it was older than {@code MAX_RETRY_AGE}: "gave up after N attempts
         * over T: last reply …".
         */
        public static Reason gaveUp(MailException last, int attempts, String over) {
            return new Reason(
                    "gave_up",
                    "gave up after " + attempts + (attempts == 1 ? " attempt" : " attempts") + " over " + over
                            + ": last reply: " + last.getMessage(),
                    smtpCode(last),
                    Optional.of(last.code()));
        }

        private static OptionalInt smtpCode(MailException failure) {
            return failure instanceof RelayException relay ? relay.smtpCode() : OptionalInt.empty();
        }
    }

    /** The dead-letter queue did not take the record. */
    final class DeadLetterException extends Exception {
        private static final long serialVersionUID = 1L;

        public DeadLetterException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
