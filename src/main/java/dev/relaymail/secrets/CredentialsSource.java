package dev.relaymail.secrets;

import dev.relaymail.core.Deadline;
import dev.relaymail.core.RelayException;

/**
 * Where the relay's credentials come from. Implementations cache: reading is cheap after the first time. Reading
 * (the secret, a token) is done by {@code deadline}, or fails.
 */
public interface CredentialsSource {

    /** The credentials, read once and then cached for the life of the container. */
    Credentials current(Deadline deadline) throws RelayException;

    /** Reads the credentials again, for when the relay rejected the cached ones (the secret may have rotated). */
    Credentials refresh(Deadline deadline) throws RelayException;

    /** Drops the cached credentials, so that none is kept in a snapshot of the container. */
    default void forget() {}
}
