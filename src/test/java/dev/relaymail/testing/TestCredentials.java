package dev.relaymail.testing;

import dev.relaymail.core.Deadline;
import dev.relaymail.secrets.Credentials;
import dev.relaymail.secrets.CredentialsSource;

/** Credentials that come from no secret: for tests, the local runner and the benchmark, which know the relay's. */
public final class TestCredentials {
    private TestCredentials() {}

    /** Always this user name and password, read again or not. */
    public static CredentialsSource fixed(String username, String password) {
        Credentials credentials = new Credentials(username, password);
        return new CredentialsSource() {
            @Override
            public Credentials current(Deadline deadline) {
                return credentials;
            }

            @Override
            public Credentials refresh(Deadline deadline) {
                return credentials;
            }
        };
    }
}
