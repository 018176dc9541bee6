package dev.relaymail.relay;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.relaymail.core.RelayException;
import dev.relaymail.secrets.Credentials;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RefusedLoginsTest {
    private static final RelayAddress PRIMARY = new RelayAddress("primary.example", 587);
    private static final RelayAddress BACKUP = new RelayAddress("backup.example", 587);
    private static final Credentials WRONG = new Credentials("u", "wrong");

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final RefusedLogins refused = new RefusedLogins(now::get);

    @Test
    void theSameCredentialsAtTheSameRelayFailWithoutAskingItUntilTheWindowIsOver() throws Exception {
        refused.refused(PRIMARY, WRONG);

        RelayException e = assertThrows(RelayException.class, () -> refused.check(PRIMARY, WRONG));
        assertEquals(RelayException.Kind.AUTHENTICATION, e.kind());
        now.addAndGet(RefusedLogins.WINDOW.toNanos() - 1);
        assertThrows(RelayException.class, () -> refused.check(PRIMARY, WRONG));
        now.addAndGet(1);
        assertDoesNotThrow(() -> refused.check(PRIMARY, WRONG));
    }

    @Test
    void aNewTokenForTheSameMailboxIsNotTriedWhereTheLastOneWasRefused() {
        refused.refused(PRIMARY, new Credentials("u", "token-2", Credentials.Kind.OAUTH2_TOKEN));

        assertThrows(
                RelayException.class,
                () -> refused.check(PRIMARY, new Credentials("u", "token-3", Credentials.Kind.OAUTH2_TOKEN)));
        assertDoesNotThrow(
                () -> refused.check(PRIMARY, new Credentials("v", "token-3", Credentials.Kind.OAUTH2_TOKEN)));
    }

    @Test
    void otherCredentialsOrAnotherRelayAreTriedAtOnce() {
        refused.refused(PRIMARY, WRONG);

        assertDoesNotThrow(() -> refused.check(PRIMARY, new Credentials("u", "rotated")));
        assertDoesNotThrow(() -> refused.check(PRIMARY, new Credentials("u", "wrong", Credentials.Kind.OAUTH2_TOKEN)));
        assertDoesNotThrow(() -> refused.check(BACKUP, WRONG));
    }
}
