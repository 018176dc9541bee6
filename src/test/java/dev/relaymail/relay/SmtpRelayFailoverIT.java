package dev.relaymail.relay;

import static dev.relaymail.testing.ScriptedRelay.reply;
import static dev.relaymail.testing.TestCredentials.fixed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relaymail.core.Deadline;
import dev.relaymail.core.RelayException;
import dev.relaymail.core.RelayException.Kind;
import dev.relaymail.testing.ScriptedRelay;
import dev.relaymail.testing.SteppingClock;
import dev.relaymail.testing.TestMessages;
import dev.relaymail.testing.TestRelay;
import dev.relaymail.testing.TestRelay.Certificate;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/** Failover between real relays: stickiness and return, certificates per relay, the deadline over all of them. */
class SmtpRelayFailoverIT {

    /** The relays, in order of preference, with the clock ({@code System::nanoTime}, or a test's) they go by. */
    static SmtpRelay relays(LongSupplier nanoTime, int timeoutMillis, RelayAddress... relays) {
        return new SmtpRelay(
                new RelaySettings(
                        List.of(relays),
                        RelaySettings.TlsMode.STARTTLS,
                        timeoutMillis,
                        timeoutMillis,
                        "example.com",
                        1),
                fixed("relay-user", "relay-password"),
                SmtpRelay.IDLE_CHECK,
                Failover.RETURN_AFTER,
                SmtpRelay.FEWER_CONNECTIONS_FOR,
                nanoTime);
    }

    static RelayAddress at(String host, int port) {
        return new RelayAddress(host, port);
    }

    static Deadline deadline() {
        return Deadline.in(Duration.ofSeconds(20));
    }

    /** The return interval is by the relays' clock, which this test moves: no real wait, and no send is late. */
    @Test
    void sticksWithTheBackupThenTriesThePrimaryAgainAfterTheReturnInterval() throws Exception {
        SteppingClock clock = new SteppingClock(Instant.parse("2026-11-26T10:00:00Z"));
        try (ScriptedRelay primary = new ScriptedRelay();
                ScriptedRelay backup = new ScriptedRelay();
                SmtpRelay relay = relays(
                        clock::nanoTime, 2000, at("localhost", primary.port()), at("localhost", backup.port()))) {
            primary.on("CONNECT", c -> c.occurrence() == 0 ? reply("421 4.3.2 Service shutting down") : null);

            assertEquals(
                    "localhost:" + backup.port(), relay.send(TestMessages.simple("a", "ann@example.org"), deadline()));
            relay.send(TestMessages.simple("b", "ann@example.org"), deadline());
            clock.advance(Failover.RETURN_AFTER.minusMillis(1));
            relay.send(TestMessages.simple("c", "ann@example.org"), deadline());
            assertEquals(
                    1, primary.connections(), "the primary is not tried for every message, nor before the interval");
            assertEquals(3, backup.accepted().size());
            assertEquals(1, backup.connections(), "the backup's connection is kept");

            clock.advance(Duration.ofMillis(1));
            assertEquals(
                    "localhost:" + primary.port(), relay.send(TestMessages.simple("d", "ann@example.org"), deadline()));
            relay.send(TestMessages.simple("e", "ann@example.org"), deadline());

            assertEquals(2, primary.accepted().size(), "back with the primary, and staying there");
            assertEquals(2, primary.connections());
            assertEquals(1, backup.count("QUIT"), "the backup's connection was closed: one connection in all");
        }
    }

    @Test
    void eachRelaysCertificateIsVerifiedForItsOwnHostName() throws Exception {
        try (TestRelay impostor = TestRelay.start(Certificate.WRONG_HOST);
                TestRelay backup = TestRelay.start();
                SmtpRelay relay = relays(
                        System::nanoTime, 2000, at("localhost", impostor.port()), at("127.0.0.1", backup.port()))) {
            assertEquals(
                    "127.0.0.1:" + backup.port(), relay.send(TestMessages.simple("a", "ann@example.org"), deadline()));

            assertEquals(0, impostor.authAttempts(), "no credentials for a relay whose certificate is refused");
            assertEquals(List.of(), impostor.received());
            assertEquals(1, backup.received().size());
        }
    }

    @Test
    void aPrimaryThatStallsPastTheDeadlineLeavesNoTimeForTheBackup() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                ScriptedRelay backup = new ScriptedRelay();
                SmtpRelay relay = relays(
                        System::nanoTime,
                        10_000,
                        at("localhost", silent.getLocalPort()),
                        at("localhost", backup.port()))) {
            long start = System.nanoTime();
            RelayException e = assertThrows(
                    RelayException.class,
                    () -> relay.send(
                            TestMessages.simple("slow", "ann@example.org"), Deadline.in(Duration.ofMillis(1500))));
            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

            assertEquals(Kind.DEADLINE, e.kind(), e.getMessage());
            assertTrue(elapsedMillis < 3000, "gave up at the deadline: " + elapsedMillis + " ms");
            assertEquals(0, backup.connections(), "no relay is tried without the time to talk to it");
        }
    }
}
