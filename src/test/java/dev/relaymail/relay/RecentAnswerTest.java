package dev.relaymail.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.relaymail.core.RelayException;
import dev.relaymail.core.RelayException.Kind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** When a refused connection is taken for the relay's limit rather than for the relay being down. */
class RecentAnswerTest {
    private static final RelayAddress RELAY = new RelayAddress("relay.example.com", 587);

    private long now = 1_000_000_000_000L;
    private final RecentAnswer answered = new RecentAnswer(() -> now);

    @ParameterizedTest(name = "{0} {1} at {2}, {3} ms after its answer: {4}")
    @CsvSource({
        "CONNECTION, 0, relay.example.com:587, 0, true",
        "CONNECTION, 0, relay.example.com:587, 9999, true",
        "CONNECTION, 0, relay.example.com:587, 10000, false",
        "TRANSIENT_REPLY, 421, relay.example.com:587, 10, true",
        "TRANSIENT_REPLY, 451, relay.example.com:587, 10, false",
        "TLS, 0, relay.example.com:587, 10, false",
        "AUTHENTICATION, 535, relay.example.com:587, 10, false",
        "CONNECTION, 0, backup.example.com:587, 10, false"
    })
    void aRefusalSoonAfterThatRelayAnsweredIsItsLimit(Kind kind, int code, String at, long afterMillis, boolean limit) {
        answered.now(RELAY);
        now += afterMillis * 1_000_000;

        assertEquals(limit, answered.refusedWhileUp(at, new RelayException(kind, code, "refused")));
    }

    @ParameterizedTest
    @CsvSource({"CONNECTION, 0", "TRANSIENT_REPLY, 421"})
    void noRefusalIsALimitBeforeAnyRelayAnswered(Kind kind, int code) {
        assertEquals(false, answered.refusedWhileUp(RELAY.toString(), new RelayException(kind, code, "refused")));
    }
}
