package dev.relaymail.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relaymail.core.Deadline;
import dev.relaymail.core.RelayException;
import dev.relaymail.core.RelayException.Kind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The failover rules on their own: which relay is tried when, without a network (the relays' answers are given). */
class FailoverTest {
    static final RelayAddress PRIMARY = new RelayAddress("primary.example.com", 587);
    static final RelayAddress BACKUP = new RelayAddress("backup.example.com", 2525);
    static final RelayAddress THIRD = new RelayAddress("third.example.com", 587);

    private long now;
    private final List<RelayAddress> tried = new ArrayList<>();
    private final Map<RelayAddress, RelayException> down = new HashMap<>();

    private Failover failover(RelayAddress... relays) {
        return new Failover(List.of(relays), Duration.ofSeconds(60), () -> now);
    }

    private RelayAddress send(Failover failover) throws RelayException {
        return send(failover, e -> false);
    }

    private RelayAddress send(Failover failover, Predicate<RelayException> oneTooMany) throws RelayException {
        return failover.run(
                relay -> {
                    tried.add(relay);
                    RelayException failure = down.get(relay);
                    if (failure != null) {
                        throw failure;
                    }
                },
                oneTooMany,
                Deadline.in(Duration.ofSeconds(20)));
    }

    private static RelayException unreachable() {
        return new RelayException(Kind.CONNECTION, "could not talk to the relay: ConnectException: Connection refused");
    }

    @Test
    void triesTheRelaysInOrderUntilOneTakesTheMessage() throws Exception {
        down.put(PRIMARY, unreachable());
        down.put(BACKUP, new RelayException(Kind.TLS, "the relay does not offer STARTTLS; nothing was sent to it"));

        assertEquals(THIRD, send(failover(PRIMARY, BACKUP, THIRD)));
        assertEquals(List.of(PRIMARY, BACKUP, THIRD), tried);
    }

    @ParameterizedTest
    @CsvSource({
        "CONNECTION, 0, true",
        "CONNECTION, 554, true",
        "TLS, 0, true",
        "AUTHENTICATION, 535, true",
        "TRANSIENT_REPLY, 421, true",
        "TRANSIENT_REPLY, 451, false",
        "TRANSIENT_REPLY, 452, false",
        "PERMANENT_REPLY, 550, false",
        "PERMANENT_REPLY, 554, false",
        "UNKNOWN_OUTCOME, 0, false",
        "DEADLINE, 0, false",
        "CREDENTIALS, 0, false"
    })
    void movesOnOnlyWhenTheRelayCannotHaveTheMessage(Kind kind, int code, boolean movesOn) throws Exception {
        down.put(PRIMARY, new RelayException(kind, code, "the relay answered " + code));

        if (movesOn) {
            assertEquals(BACKUP, send(failover(PRIMARY, BACKUP)));
        } else {
            RelayException e = assertThrows(RelayException.class, () -> send(failover(PRIMARY, BACKUP)));
            assertEquals(kind, e.kind());
            assertEquals("the relay answered " + code, e.getMessage(), "the primary's failure, unchanged");
            assertEquals(PRIMARY.toString(), e.relay().orElseThrow());
        }
        assertEquals(movesOn ? List.of(PRIMARY, BACKUP) : List.of(PRIMARY), tried);
    }

    @Test
    void whenEveryRelayFailsTheLastFailureSaysHowManyWereTried() {
        down.put(PRIMARY, new RelayException(Kind.TLS, "the relay's certificate has expired or is not yet valid"));
        down.put(BACKUP, new RelayException(Kind.TRANSIENT_REPLY, 421, "the relay answered 421 shutting down"));

        RelayException e = assertThrows(RelayException.class, () -> send(failover(PRIMARY, BACKUP)));

        assertEquals(Kind.TRANSIENT_REPLY, e.kind());
        assertEquals(421, e.smtpCode().getAsInt());
        assertEquals(
                "all 2 relays were tried and failed; the last one: the relay answered 421 shutting down",
                e.getMessage());
        assertEquals(BACKUP.toString(), e.relay().orElseThrow());
        assertTrue(e.retryable());
    }

    @Test
    void aSingleRelayFailsExactlyAsWithoutFailover() {
        down.put(PRIMARY, unreachable());

        RelayException e = assertThrows(RelayException.class, () -> send(failover(PRIMARY)));

        assertEquals(unreachable().getMessage(), e.getMessage());
        assertEquals(PRIMARY.toString(), e.relay().orElseThrow());
    }

    /**
     * A refusal the caller takes for one connection too many (the relay in use took a message a moment ago) is
     * the relay's limit, not an outage: the message stays with that relay, and no other is tried. Not so at a relay
     * further down the list, which was not the one that answered.
     */
    @Test
    void aRefusalTakenForOneConnectionTooManyStaysWithTheRelayInUse() throws Exception {
        Failover failover = failover(PRIMARY, BACKUP, THIRD);
        down.put(PRIMARY, unreachable());

        RelayException e = assertThrows(RelayException.class, () -> send(failover, x -> true));
        assertEquals(List.of(PRIMARY), tried);
        assertEquals(PRIMARY.toString(), e.relay().orElseThrow());

        down.put(BACKUP, unreachable());
        tried.clear();
        assertEquals(THIRD, send(failover, x -> tried.size() > 1));
        assertEquals(List.of(PRIMARY, BACKUP, THIRD), tried);
    }

    @Test
    void noFurtherRelayIsTriedWhenTooLittleTimeIsLeft() {
        Failover failover = failover(PRIMARY, BACKUP, THIRD);

        RelayException e = assertThrows(
                RelayException.class,
                () -> failover.run(
                        relay -> {
                            tried.add(relay);
                            throw unreachable();
                        },
                        x -> false,
                        Deadline.in(SmtpConnection.MIN_TIME.minusMillis(1))));

        assertEquals(List.of(PRIMARY), tried);
        assertEquals(Kind.CONNECTION, e.kind());
        assertTrue(
                e.getMessage().startsWith("1 of 3 relays were tried before the invocation ran out of time; "),
                e.getMessage());
    }

    @Test
    void sticksWithTheRelayThatTookTheMessageAndTriesTheFirstAgainAfterAMinute() throws Exception {
        Failover failover = failover(PRIMARY, BACKUP, THIRD);
        down.put(PRIMARY, unreachable());
        down.put(BACKUP, unreachable());
        assertEquals(THIRD, send(failover));

        now += Duration.ofSeconds(59).toNanos();
        assertEquals(THIRD, send(failover));
        assertEquals(List.of(PRIMARY, BACKUP, THIRD, THIRD), tried, "the relay in use first, no retry of the others");

        down.remove(PRIMARY);
        now += Duration.ofSeconds(1).toNanos();
        tried.clear();
        assertEquals(PRIMARY, send(failover));
        assertEquals(PRIMARY, send(failover));
        assertEquals(List.of(PRIMARY, PRIMARY), tried, "back to the first relay, and staying there");
    }

    @Test
    void whenTheRelayInUseFailsTheOthersAreTriedInOrderOfPreference() throws Exception {
        Failover failover = failover(PRIMARY, BACKUP, THIRD);
        down.put(PRIMARY, unreachable());
        down.put(BACKUP, unreachable());
        send(failover);
        down.put(THIRD, unreachable());
        down.remove(BACKUP);
        tried.clear();

        assertEquals(BACKUP, send(failover));
        assertEquals(List.of(THIRD, PRIMARY, BACKUP), tried);
        tried.clear();
        send(failover);
        assertEquals(List.of(BACKUP), tried, "now sticking with the backup");
    }

    @Test
    void aFailedReturnToTheFirstRelayStartsAnotherMinuteWithTheBackup() throws Exception {
        Failover failover = failover(PRIMARY, BACKUP);
        down.put(PRIMARY, unreachable());
        send(failover);
        now += Duration.ofSeconds(60).toNanos();
        tried.clear();

        send(failover);
        now += Duration.ofSeconds(30).toNanos();
        send(failover);

        assertEquals(List.of(PRIMARY, BACKUP, BACKUP), tried);
    }
}
