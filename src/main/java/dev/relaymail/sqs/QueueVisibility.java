package dev.relaymail.sqs;

import dev.relaymail.core.Deadline;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/** Sets when reported records come back from their queue (SQS's {@code ChangeMessageVisibility}). */
public interface QueueVisibility {

    /**
     * Makes each record visible again after its delay, within the invocation's deadline.
     *
     * @return the records whose visibility could not be changed: the queue's own visibility timeout applies to them
     */
    Set<SqsRecord> change(Map<SqsRecord, Duration> delays, Deadline deadline);
}
