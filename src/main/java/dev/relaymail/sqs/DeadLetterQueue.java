package dev.relaymail.sqs;

import dev.relaymail.core.Deadline;
import dev.relaymail.core.MailException;

/** Where records that can never be sent are kept, with the reason, so that nothing is lost. */
public interface DeadLetterQueue {

    /**
     * Keeps the record with its reason, within the invocation's deadline.
     *
     * @throws DeadLetterException when it could not be kept, in time or at all; the record must then be reported as
     *                             a failure
     */
    void keep(SqsRecord record, MailException reason, Deadline deadline) throws DeadLetterException;

    /** The dead-letter queue did not take the record. */
    final class DeadLetterException extends Exception {
        private static final long serialVersionUID = 1L;

        public DeadLetterException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
