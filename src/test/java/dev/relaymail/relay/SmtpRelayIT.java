package dev.relaymail.relay;

import static dev.relaymail.testing.TestCredentials.fixed;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relaymail.core.ComposedMessage;
import dev.relaymail.core.Deadline;
import dev.relaymail.core.RelayException;
import dev.relaymail.core.RelayException.Kind;
import dev.relaymail.logging.LogFields;
import dev.relaymail.secrets.Credentials;
import dev.relaymail.secrets.CredentialsSource;
import dev.relaymail.testing.Await;
import dev.relaymail.testing.ScriptedRelay;
import dev.relaymail.testing.SteppingClock;
import dev.relaymail.testing.TestMessages;
import dev.relaymail.testing.TestRelay;
import dev.relaymail.testing.TestRelay.Certificate;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class SmtpRelayIT {

    static SmtpRelay relayFor(TestRelay server, CredentialsSource credentials) {
        return new SmtpRelay(
                new RelaySettings(
                        "localhost", server.port(), RelaySettings.TlsMode.STARTTLS, 2000, 2000, "example.com", 1),
                credentials);
    }

    static Deadline deadline() {
        return Deadline.in(Duration.ofSeconds(20));
    }

    @Test
    void deliversOverStartTlsWithAuthExactlyTheComposedBytes() throws Exception {
        try (TestRelay server = TestRelay.start();
                SmtpRelay relay = relayFor(server, fixed(server.username(), server.password()))) {
            ComposedMessage message = TestMessages.simple("one", "ann@example.org", "bob@example.net");

            relay.send(message, deadline());

            TestRelay.Received received = server.received().get(0);
            assertEquals("billing@example.com", received.envelopeFrom());
            assertEquals(List.of("ann@example.org", "bob@example.net"), received.recipients());
            assertEquals(server.username(), received.user().orElseThrow());
            assertArrayEquals(message.mime(), received.data());
        }
    }

    @Test
    void keepsOneConnectionForManyMessages() throws Exception {
        try (TestRelay server = TestRelay.start();
                SmtpRelay relay = relayFor(server, fixed(server.username(), server.password()))) {
            for (int i = 0; i < 5; i++) {
                relay.send(TestMessages.simple("m" + i, "ann@example.org"), deadline());
            }
            assertEquals(5, server.received().size());
            assertEquals(1, server.connections());
            assertEquals(1, server.authAttempts());
        }
    }

    @Test
    void sendsNothingToARelayWithoutStartTls() {
        try (TestRelay server = TestRelay.withoutStartTls();
                SmtpRelay relay = relayFor(server, fixed(server.username(), server.password()))) {
            RelayException e = assertThrows(
                    RelayException.class,
                    () -> relay.send(TestMessages.simple("plain", "ann@example.org"), deadline()));
            assertEquals(Kind.TLS, e.kind());
            assertTrue(e.getMessage().contains("does not offer STARTTLS"), e.getMessage());
            assertTrue(e.retryable());
            assertEquals(0, server.authAttempts(), "no AUTH before TLS");
            assertEquals(List.of(), server.received(), "no envelope, no content");
        }
    }

    @ParameterizedTest
    @CsvSource({"UNTRUSTED_CA, not trusted", "WRONG_HOST, does not match its host name", "EXPIRED, expired"})
    void refusesACertificateItCannotTrust(Certificate certificate, String reason) {
        try (TestRelay server = TestRelay.start(certificate);
                SmtpRelay relay = relayFor(server, fixed(server.username(), server.password()))) {
            RelayException e = assertThrows(
                    RelayException.class, () -> relay.send(TestMessages.simple("tls", "ann@example.org"), deadline()));
            assertEquals(Kind.TLS, e.kind());
            assertTrue(e.getMessage().contains(reason), e.getMessage());
            assertEquals(0, server.authAttempts());
            assertEquals(List.of(), server.received());
        }
    }

    @Test
    void classifies4xxAsTransientAnd5xxAsPermanentAndKeepsTheConnection() throws Exception {
        try (TestRelay server = TestRelay.start();
                SmtpRelay relay = relayFor(server, fixed(server.username(), server.password()))) {
            server.refuse("later@example.net", 451);
            server.refuse("nobody@example.net", 550);

            RelayException later = assertThrows(
                    RelayException.class,
                    () -> relay.send(TestMessages.simple("a", "ann@example.org", "later@example.net"), deadline()));
            RelayException never = assertThrows(
                    RelayException.class,
                    () -> relay.send(TestMessages.simple("b", "later@example.net", "nobody@example.net"), deadline()));
            relay.send(TestMessages.simple("c", "ann@example.org"), deadline());

            assertEquals(Kind.TRANSIENT_REPLY, later.kind());
            assertEquals(451, later.smtpCode().getAsInt());
            assertEquals(Kind.PERMANENT_REPLY, never.kind(), "one permanent refusal makes the message permanent");
            assertEquals(550, never.smtpCode().getAsInt());
            assertTrue(never.getMessage().contains("n***@example.net"), never.getMessage());
            assertTrue(!never.getMessage().contains("nobody@"), "recipient masked: " + never.getMessage());
            assertEquals(1, server.received().size(), "all recipients or none");
            assertEquals(1, server.connections());
        }
    }

    /** A secret that holds a wrong password, however often it is read again; counts the re-reads. */
    private static CredentialsSource wrongPassword(int[] refreshes) {
        return new CredentialsSource() {
            @Override
            public Credentials current(Deadline deadline) {
                return new Credentials("relay-user", "wrong");
            }

            @Override
            public Credentials refresh(Deadline deadline) {
                refreshes[0]++;
                return current(deadline);
            }
        };
    }

    @Test
    void rejectedCredentialsAreReadAgainOnceThenReported() {
        int[] refreshes = {0};
        try (TestRelay server = TestRelay.start();
                SmtpRelay relay = relayFor(server, wrongPassword(refreshes))) {
            RelayException e = assertThrows(
                    RelayException.class, () -> relay.send(TestMessages.simple("auth", "ann@example.org"), deadline()));
            assertEquals(Kind.AUTHENTICATION, e.kind());
            assertEquals(535, e.smtpCode().getAsInt());
            assertTrue(e.retryable());
            assertEquals(1, refreshes[0]);
            assertEquals(2, server.authAttempts());
            assertEquals(List.of(), server.received());
        }
    }

    @Test
    void credentialsRefusedAfterTheSecretWasReadAgainAreNotTriedForAWhile() {
        int[] refreshes = {0};
        try (TestRelay server = TestRelay.start();
                SmtpRelay relay = relayFor(server, wrongPassword(refreshes))) {
            for (int i = 0; i < 3; i++) {
                String subject = "auth " + i;
                RelayException e = assertThrows(
                        RelayException.class,
                        () -> relay.send(TestMessages.simple(subject, "ann@example.org"), deadline()));
                assertEquals(Kind.AUTHENTICATION, e.kind());
                assertEquals(i > 0, e.getMessage().contains("not tried there again"), e.getMessage());
            }
            assertEquals(2, server.authAttempts(), "two failed logins, not two for every message");
            assertEquals(1, refreshes[0], "the secret was read again once");
        }
    }

    @Test
    void unreachableRelayIsATransientConnectionFailure() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (SmtpRelay relay = new SmtpRelay(
                new RelaySettings("localhost", port, RelaySettings.TlsMode.STARTTLS, 1000, 1000, "example.com", 1),
                fixed("u", "p"))) {
            RelayException e = assertThrows(
                    RelayException.class, () -> relay.send(TestMessages.simple("down", "ann@example.org"), deadline()));
            assertEquals(Kind.CONNECTION, e.kind());
            assertTrue(e.connectionLevel());
        }
    }

    @Test
    void speaksImplicitTlsWhenConfigured() throws Exception {
        try (TestRelay server = TestRelay.implicitTls();
                SmtpRelay relay = new SmtpRelay(
                        new RelaySettings(
                                "localhost",
                                server.port(),
                                RelaySettings.TlsMode.IMPLICIT,
                                2000,
                                2000,
                                "example.com",
                                1),
                        fixed(server.username(), server.password()))) {
            relay.send(TestMessages.simple("smtps", "ann@example.org"), deadline());
            assertEquals(1, server.received().size());
        }
    }

    @Test
    void aRelayThatNeverAnswersIsCutOffAtTheDeadlineNotAtTheTimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                SmtpRelay relay = new SmtpRelay(
                        new RelaySettings(
                                "localhost",
                                silent.getLocalPort(),
                                RelaySettings.TlsMode.STARTTLS,
                                10_000,
                                10_000,
                                "example.com",
                                1),
                        fixed("u", "p"))) {
            long start = System.nanoTime();
            RelayException e = assertThrows(
                    RelayException.class,
                    () -> relay.send(
                            TestMessages.simple("slow", "ann@example.org"), Deadline.in(Duration.ofMillis(1500))));
            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(Kind.DEADLINE, e.kind(), e.getMessage());
            assertTrue(elapsedMillis < 5000, "gave up after " + elapsedMillis + " ms, not after the 10 s timeout");
        }
    }

    /**
     * Each step is answered within its timeout (2 s, capped by the 2 s deadline), 1.8 s late: the greeting comes in
     * time, the reply to EHLO would come 1.6 s after the deadline. Cut off at the deadline, it ends about 2 s in; a
     * relay checked for the deadline only between steps would end at 3.6 s, one not checked at all later still. The
     * bound between the two leaves a second either way.
     */
    @Test
    void aRelayThatAnswersEachStepJustInTimeIsStillCutOffAtTheDeadlineWhileConnecting() throws Exception {
        try (ScriptedRelay server = new ScriptedRelay();
                SmtpRelay relay = relayFor(server)) {
            server.on("CONNECT", c -> slowly(null));
            server.on("EHLO", c -> slowly(null));
            server.on("STARTTLS", c -> slowly(null));
            long start = System.nanoTime();

            RelayException e =
                    assertThrows(RelayException.class, () -> relay.openAhead(Deadline.in(Duration.ofMillis(2000))));

            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(Kind.DEADLINE, e.kind(), e.getMessage());
            assertTrue(
                    elapsedMillis < 3000,
                    "each step took 1.8 s of the 2 s, yet it gave up after " + elapsedMillis + " ms");
        }
    }

    /** Answers as the relay would, 1.8 s late. */
    private static ScriptedRelay.Reply slowly(ScriptedRelay.Reply reply) {
        try {
            Thread.sleep(1800);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return reply;
    }

    static SmtpRelay relayWithConnections(TestRelay server, int connections, Duration fewerFor) {
        return new SmtpRelay(
                new RelaySettings(
                        "localhost",
                        server.port(),
                        RelaySettings.TlsMode.STARTTLS,
                        2000,
                        2000,
                        "example.com",
                        connections),
                fixed(server.username(), server.password()),
                SmtpRelay.IDLE_CHECK,
                Failover.RETURN_AFTER,
                fewerFor,
                System::nanoTime);
    }

    /** Sends {@code count} messages from as many threads at once; returns what the sends threw. */
    private static List<Throwable> sendAtOnce(SmtpRelay relay, int count, String subject) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(count);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> sends = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String each = subject + i;
                sends.add(threads.submit(() -> {
                    go.await();
                    relay.send(TestMessages.simple(each, "ann@example.org"), deadline());
                    return null;
                }));
            }
            go.countDown();
            List<Throwable> failures = new ArrayList<>();
            for (Future<?> send : sends) {
                try {
                    send.get();
                } catch (ExecutionException e) {
                    failures.add(e.getCause());
                }
            }
            return failures;
        } finally {
            threads.shutdown();
        }
    }

    /**
     * A relay that allows 2 connections, a container configured for 6: the refusals cost no message, they stop once
     * the container uses the connections allowed, and a connection that a 432 refused is closed and not used again.
     */
    @ParameterizedTest
    @EnumSource(TestRelay.Limit.class)
    void aRelayThatAllowsFewerConnectionsGetsEveryMessageOverTheOnesItAllows(TestRelay.Limit limit) throws Exception {
        try (RelayLog log = new RelayLog();
                TestRelay server = TestRelay.start();
                SmtpRelay relay = relayWithConnections(server, 6, SmtpRelay.FEWER_CONNECTIONS_FOR)) {
            server.limit(limit, 2);
            sendOneThenThreeRoundsOfSix(relay);

            assertEquals(19, server.received().size());
            int refusals = server.refusals(limit);
            assertTrue(refusals >= 1, "the relay refused some");
            assertTrue(
                    refusals <= 4,
                    "at most one refusal per connection over the limit, not one per message: " + refusals);
            List<LogRecord> warnings = log.at(Level.WARNING).stream()
                    .filter(r -> r.getMessage().startsWith("the relay refused one more connection"))
                    .toList();
            assertEquals(refusals, warnings.size(), "one warning per refusal");
            Map<String, Object> fields = ((LogFields) warnings.get(0).getParameters()[0]).asMap();
            assertEquals(6, fields.get("configured"));
            assertTrue(
                    String.valueOf(fields.get("detail"))
                            .contains(
                                    limit == TestRelay.Limit.SENDING
                                            ? "432 4.3.2 Concurrent connections limit exceeded"
                                            : "421"),
                    fields.toString());
            assertEquals(List.of(), log.at(Level.SEVERE), "a limit is no error an operator must mend");
        }
    }

    /**
     * With a backup relay, a primary that allows fewer connections keeps its messages: a refusal a moment after it
     * took one is its limit, not an outage, so the messages move over to its open connections instead of to the
     * backup, and the container stays with the primary.
     */
    @Test
    void aPrimaryThatAllowsFewerConnectionsKeepsItsMessagesInsteadOfMovingToTheBackup() throws Exception {
        try (RelayLog log = new RelayLog();
                TestRelay primary = TestRelay.start();
                TestRelay backup = TestRelay.start();
                SmtpRelay relay = new SmtpRelay(
                        new RelaySettings(
                                List.of(
                                        new RelayAddress("localhost", primary.port()),
                                        new RelayAddress("localhost", backup.port())),
                                RelaySettings.TlsMode.STARTTLS,
                                2000,
                                2000,
                                "example.com",
                                6),
                        fixed(primary.username(), primary.password()))) {
            primary.limitConnections(2);
            sendOneThenThreeRoundsOfSix(relay);

            assertEquals(19, primary.received().size());
            assertEquals(0, backup.connections(), "the backup was not needed");
            assertTrue(primary.refusedConnections() >= 1, "the primary refused some connections");
            assertEquals(List.of(), log.at(Level.SEVERE));
        }
    }

    /** One message alone, then three rounds of 6 at once, none of which may fail. */
    private static void sendOneThenThreeRoundsOfSix(SmtpRelay relay) throws Exception {
        relay.send(TestMessages.simple("first", "ann@example.org"), deadline());
        for (int round = 0; round < 3; round++) {
            assertEquals(List.of(), sendAtOnce(relay, 6, "round" + round + "-"));
        }
    }

    /** What the relay adapter logs (its logger, which its connections and failover share) while it is open. */
    private static final class RelayLog extends Handler implements AutoCloseable {
        private final Logger logger = Logger.getLogger(SmtpRelay.class.getName());
        private final List<LogRecord> records = new CopyOnWriteArrayList<>();

        RelayLog() {
            logger.addHandler(this);
        }

        List<LogRecord> at(Level level) {
            return records.stream().filter(r -> r.getLevel() == level).toList();
        }

        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {
            logger.removeHandler(this);
        }
    }

    /** With one connection in use, a 432 is the message's answer (to try later), and the connection is not kept. */
    @Test
    void a432OnTheOnlyConnectionFailsItsMessageAndClosesTheConnection() throws Exception {
        try (TestRelay server = TestRelay.start();
                SmtpRelay relay = relayWithConnections(server, 1, SmtpRelay.FEWER_CONNECTIONS_FOR)) {
            server.limitSending(0);
            RelayException e = assertThrows(
                    RelayException.class,
                    () -> relay.send(TestMessages.simple("first", "ann@example.org"), deadline()));
            server.limitSending(1);
            relay.send(TestMessages.simple("second", "ann@example.org"), deadline());

            assertEquals(Kind.TRANSIENT_REPLY, e.kind());
            assertEquals(432, e.smtpCode().orElse(0));
            assertTrue(e.getMessage().contains("4.3.2 Concurrent connections limit exceeded"), e.getMessage());
            assertEquals(1, server.refusedSends(), "one attempt");
            assertEquals(2, server.connections(), "the refused connection was closed, the next message opened one");
            assertEquals(1, server.received().size());
        }
    }

    @Test
    void aContainerThatUsesFewerConnectionsTriesMoreAgainAfterAWhile() throws Exception {
        try (TestRelay server = TestRelay.start();
                SmtpRelay relay = relayWithConnections(server, 6, Duration.ofMillis(300))) {
            server.limitConnections(2);
            relay.send(TestMessages.simple("first", "ann@example.org"), deadline());
            assertEquals(List.of(), sendAtOnce(relay, 6, "limited-"));
            server.limitConnections(6);
            Await.until("the while to be over", () -> relay.connectionsInUse() == 6);
            for (int round = 0; round < 3; round++) {
                assertEquals(List.of(), sendAtOnce(relay, 6, "round" + round + "-"));
            }

            assertEquals(25, server.received().size());
            assertTrue(server.mostOpenAtOnce() > 2, "more connections once the while is over");
        }
    }

    /** A new container whose relay has not answered yet takes a refused connection for a relay that is down. */
    @Test
    void aConnectionRefusedBeforeTheRelayAnsweredFailsItsMessage() throws Exception {
        try (TestRelay server = TestRelay.start();
                SmtpRelay relay = relayWithConnections(server, 2, SmtpRelay.FEWER_CONNECTIONS_FOR)) {
            server.limitConnections(0);
            RelayException e = assertThrows(
                    RelayException.class,
                    () -> relay.send(TestMessages.simple("first", "ann@example.org"), deadline()));

            assertTrue(e.connectionLevel(), e.toString());
            assertEquals(1, server.refusedConnections(), "one attempt, not one per connection");
        }
    }

    static SmtpRelay relayFor(ScriptedRelay server) {
        return new SmtpRelay(settingsFor(server), fixed("u", "p"));
    }

    /** The same, with its idle checks, failover and connection limits timed by the clock. */
    static SmtpRelay relayFor(ScriptedRelay server, SteppingClock clock) {
        return new SmtpRelay(
                settingsFor(server),
                fixed("u", "p"),
                SmtpRelay.IDLE_CHECK,
                Failover.RETURN_AFTER,
                SmtpRelay.FEWER_CONNECTIONS_FOR,
                clock::nanoTime);
    }

    private static RelaySettings settingsFor(ScriptedRelay server) {
        return settingsFor(server, 2000);
    }

    /** One connection over STARTTLS to the scripted relay, waiting this long for each reply. */
    static RelaySettings settingsFor(ScriptedRelay server, int timeoutMillis) {
        return new RelaySettings(
                "localhost", server.port(), RelaySettings.TlsMode.STARTTLS, 2000, timeoutMillis, "example.com", 1);
    }

    @Test
    void pipelinesTheEnvelopeWhenTheRelayOffersIt() throws Exception {
        try (ScriptedRelay server = new ScriptedRelay();
                SmtpRelay relay = relayFor(server)) {
            relay.send(TestMessages.simple("a", "ann@example.org", "bob@example.net"), deadline());
            relay.send(TestMessages.simple("b", "carol@example.org"), deadline());

            List<ScriptedRelay.Command> mail = server.commands().stream()
                    .filter(c -> c.verb().equals("MAIL"))
                    .toList();
            assertEquals(2, mail.size());
            assertTrue(mail.stream().allMatch(ScriptedRelay.Command::followed), "RCPT and DATA came with MAIL");
            assertEquals(2, server.payloads().size());
            assertEquals(1, server.connections());
        }
    }

    @Test
    void sendsOneCommandAtATimeToARelayWithoutPipelining() throws Exception {
        try (ScriptedRelay server = new ScriptedRelay();
                SmtpRelay relay = relayFor(server)) {
            server.extensions("250-scripted.example\r\n250 AUTH PLAIN LOGIN");
            relay.send(TestMessages.simple("a", "ann@example.org", "bob@example.net"), deadline());

            assertTrue(server.commands().stream().noneMatch(ScriptedRelay.Command::followed));
            assertEquals(1, server.payloads().size());
        }
    }

    /** Angus closes the connection itself when the RSET after a refused recipient fails: it is not used again. */
    @Test
    void aConnectionAngusClosedAfterARefusedRecipientIsNotUsedAgain() throws Exception {
        try (ScriptedRelay server = new ScriptedRelay();
                SmtpRelay relay = relayFor(server)) {
            server.extensions("250-scripted.example\r\n250 AUTH PLAIN LOGIN");
            server.on("RCPT", c -> c.line().contains("bob@") ? ScriptedRelay.reply("550 5.1.1 unknown") : null);
            server.on("RSET", c -> new ScriptedRelay.Reset());

            RelayException e = assertThrows(
                    RelayException.class,
                    () -> relay.send(TestMessages.simple("a", "ann@example.org", "bob@example.net"), deadline()));
            relay.send(TestMessages.simple("b", "ann@example.org"), deadline());

            assertEquals(550, e.smtpCode().getAsInt());
            assertEquals(1, server.payloads().size(), "the second message went");
            assertEquals(2, server.connections(), "on a new connection");
        }
    }

    @Test
    void aRefusedRecipientAfterDataWasAcceptedEndsTheConnectionWithoutContent() throws Exception {
        try (ScriptedRelay server = new ScriptedRelay();
                SmtpRelay relay = relayFor(server)) {
            server.on("RCPT", c -> c.line().contains("bob@") ? ScriptedRelay.reply("550 5.1.1 unknown") : null);

            RelayException e = assertThrows(
                    RelayException.class,
                    () -> relay.send(TestMessages.simple("a", "ann@example.org", "bob@example.net"), deadline()));
            relay.send(TestMessages.simple("b", "ann@example.org"), deadline());

            assertEquals(Kind.PERMANENT_REPLY, e.kind());
            assertEquals(550, e.smtpCode().getAsInt());
            assertEquals(1, server.payloads().size(), "only the second message");
            assertEquals(2, server.connections(), "the abandoned connection was not used again");
        }
    }

    /**
     * Pipelined without CHUNKING: a recipient refused, then the connection broken where the reply to DATA was due. No content
     * went, so the refusal is the outcome (known not delivered), not a lost connection.
     */
    @Test
    void aConnectionLostAfterARefusedRecipientIsTheRefusal() throws Exception {
        try (ScriptedRelay server = new ScriptedRelay();
                SmtpRelay relay = relayFor(server)) {
            server.on("RCPT", c -> c.line().contains("bob@") ? ScriptedRelay.reply("550 5.1.1 unknown") : null);
            server.on("DATA", c -> new ScriptedRelay.BrokenTls());

            RelayException e = assertThrows(
                    RelayException.class,
                    () -> relay.send(TestMessages.simple("a", "ann@example.org", "bob@example.net"), deadline()));

            assertEquals(Kind.PERMANENT_REPLY, e.kind(), e.getMessage());
            assertEquals(550, e.smtpCode().getAsInt());
            assertEquals(List.of(), server.accepted());
        }
    }

    /** Refused DATA is reported with the relay's own reply to it, not with the reply to the RSET that follows. */
    @Test
    void aRefusedDataIsReportedWithItsOwnReplyAndTheConnectionKept() throws Exception {
        try (ScriptedRelay server = new ScriptedRelay();
                SmtpRelay relay = relayFor(server)) {
            server.on(
                    "DATA",
                    c -> c.occurrence() == 0 ? ScriptedRelay.reply("554 5.5.1 Error: no valid recipients") : null);

            RelayException e = assertThrows(
                    RelayException.class, () -> relay.send(TestMessages.simple("a", "ann@example.org"), deadline()));
            relay.send(TestMessages.simple("b", "ann@example.org"), deadline());

            assertEquals(Kind.PERMANENT_REPLY, e.kind());
            assertEquals(554, e.smtpCode().getAsInt());
            assertTrue(e.getMessage().contains("554 5.5.1 Error: no valid recipients"), e.getMessage());
            assertEquals(1, server.count("RSET"), "the transaction was reset");
            assertEquals(1, server.connections(), "and the connection kept");
        }
    }

    /** Idle is by the relay's clock, which this test moves: no real wait, and no send counts as idle by accident. */
    @Test
    void anIdleConnectionIsCheckedWithNoopAndReplacedWhenDead() throws Exception {
        SteppingClock clock = new SteppingClock(Instant.parse("2026-11-26T10:00:00Z"));
        try (ScriptedRelay server = new ScriptedRelay();
                SmtpRelay relay = relayFor(server, clock)) {
            relay.send(TestMessages.simple("a", "ann@example.org"), deadline());
            clock.advance(SmtpRelay.IDLE_CHECK.minusMillis(1));
            relay.send(TestMessages.simple("b", "ann@example.org"), deadline());
            assertEquals(0, server.count("NOOP"), "a connection used within IDLE_CHECK is not checked");
            clock.advance(SmtpRelay.IDLE_CHECK);
            relay.send(TestMessages.simple("c", "ann@example.org"), deadline());
            assertEquals(1, server.count("NOOP"), "one idle for IDLE_CHECK is");
            assertEquals(1, server.connections());

            server.on("NOOP", c -> new ScriptedRelay.Drop());
            clock.advance(SmtpRelay.IDLE_CHECK);
            relay.send(TestMessages.simple("d", "ann@example.org"), deadline());
            assertEquals(2, server.connections(), "the dead connection was replaced");
            assertEquals(4, server.payloads().size());
        }
    }

    @Test
    void logsInWithLoginToARelayThatOffersOnlyTheObsoleteAuthEqualsLogin() throws Exception {
        try (ScriptedRelay server = new ScriptedRelay();
                SmtpRelay relay = relayFor(server)) {
            server.extensions("250-scripted.example\r\n250-AUTH=LOGIN\r\n250 SIZE 52428800");
            server.on(
                    "AUTH",
                    c -> ScriptedRelay.reply(
                            c.line().equals("AUTH LOGIN")
                                    ? "334 VXNlcm5hbWU6"
                                    : "504 5.5.4 Unrecognized authentication type"));
            server.on(
                    ScriptedRelay.ANY,
                    c -> c.line().equals(base64("u"))
                            ? ScriptedRelay.reply("334 UGFzc3dvcmQ6")
                            : c.line().equals(base64("p"))
                                    ? ScriptedRelay.reply("235 2.7.0 Authentication successful")
                                    : null);

            relay.send(TestMessages.simple("a", "ann@example.org"), deadline());

            List<String> login = server.commands().stream()
                    .dropWhile(c -> !c.verb().equals("AUTH"))
                    .limit(3)
                    .map(ScriptedRelay.Command::line)
                    .toList();
            assertEquals(List.of("AUTH LOGIN", base64("u"), base64("p")), login);
            assertTrue(
                    server.commands().stream()
                            .filter(c -> login.contains(c.line()))
                            .allMatch(ScriptedRelay.Command::tls),
                    "credentials only over TLS");
            assertEquals(1, server.payloads().size());
        }
    }

    @Test
    void aRelayThatAsksForMoreThanLoginHasIsAnsweredWithACancelAndNotGivenTheMessage() throws Exception {
        try (ScriptedRelay server = new ScriptedRelay();
                SmtpRelay relay = relayFor(server)) {
            server.extensions("250-scripted.example\r\n250 AUTH LOGIN");
            server.on("AUTH", c -> ScriptedRelay.reply("334 VXNlcm5hbWU6"));
            server.on(
                    ScriptedRelay.ANY,
                    c -> c.line().equals("*")
                            ? ScriptedRelay.reply("501 5.7.0 cancelled")
                            : ScriptedRelay.reply("334 TW9yZTo="));

            RelayException e = assertThrows(
                    RelayException.class, () -> relay.send(TestMessages.simple("a", "ann@example.org"), deadline()));

            assertEquals(Kind.AUTHENTICATION, e.kind());
            assertEquals(
                    List.of("AUTH LOGIN", base64("u"), base64("p"), "*"),
                    server.commands().stream()
                            .dropWhile(c -> !c.verb().equals("AUTH"))
                            .limit(4)
                            .map(ScriptedRelay.Command::line)
                            .toList());
            assertEquals(1, server.count("AUTH"), "a protocol mismatch is no refusal: no second login");
            assertEquals(0, server.count("MAIL"));
        }
    }

    @Test
    void aConnectionOpenedAheadLogsInWhenTheCredentialsAreThere() throws Exception {
        try (ScriptedRelay server = new ScriptedRelay();
                SmtpRelay relay = new SmtpRelay(
                        new RelaySettings(
                                "localhost",
                                server.port(),
                                RelaySettings.TlsMode.STARTTLS,
                                2000,
                                2000,
                                "example.com",
                                2),
                        fixed("u", "p"))) {
            relay.openAhead(deadline());
            assertEquals(
                    List.of("EHLO", "STARTTLS", "EHLO"),
                    server.commands().stream().map(ScriptedRelay.Command::verb).toList(),
                    "open, encrypted, not logged in");

            relay.prepare(deadline());
            relay.send(TestMessages.simple("a", "ann@example.org"), deadline());

            assertEquals(1, server.connections(), "the connection opened ahead is the one logged in on and used");
            assertEquals(
                    List.of("AUTH PLAIN " + base64("\0u\0p")),
                    server.commands().stream()
                            .filter(c -> c.verb().equals("AUTH"))
                            .map(ScriptedRelay.Command::line)
                            .toList());
            assertEquals(1, server.payloads().size());
        }
    }

    @Test
    void aConnectionOpenedAheadThatDiedMeanwhileIsReplacedOnceAtLogin() throws Exception {
        try (ScriptedRelay server = new ScriptedRelay();
                SmtpRelay relay = relayFor(server)) {
            server.on("AUTH", c -> c.connection() == 1 ? new ScriptedRelay.Drop() : null);
            relay.openAhead(deadline());

            relay.send(TestMessages.simple("a", "ann@example.org"), deadline());

            assertEquals(2, server.connections());
            assertEquals(1, server.payloads().size());
        }
    }

    @Test
    void aTemporaryAuthFailureIsNoRefusalAndNoSecondLoginIsTried() throws Exception {
        try (ScriptedRelay server = new ScriptedRelay();
                SmtpRelay relay = relayFor(server)) {
            server.on("AUTH", c -> ScriptedRelay.reply("454 4.7.0 Temporary authentication failure"));

            RelayException e = assertThrows(
                    RelayException.class, () -> relay.send(TestMessages.simple("a", "ann@example.org"), deadline()));

            assertEquals(Kind.AUTHENTICATION, e.kind());
            assertEquals(454, e.smtpCode().getAsInt());
            assertEquals(1, server.count("AUTH"), "the secret is not read again for a second login");
        }
    }

    @Test
    void noCredentialsGoOutWhileAngusTracesTheProtocol() throws Exception {
        java.util.logging.Logger trace = java.util.logging.Logger.getLogger(
                dev.relaymail.relay.transport.PipeliningTransport.class.getPackageName() + ".protocol");
        try (ScriptedRelay server = new ScriptedRelay();
                SmtpRelay relay = relayFor(server)) {
            trace.setLevel(java.util.logging.Level.FINEST);

            RelayException e = assertThrows(
                    RelayException.class, () -> relay.send(TestMessages.simple("a", "ann@example.org"), deadline()));

            assertEquals(Kind.AUTHENTICATION, e.kind());
            assertTrue(e.getMessage().contains("trace"), e.getMessage());
            assertEquals(0, server.count("AUTH"));
        } finally {
            trace.setLevel(null);
        }
    }

    private static String base64(String text) {
        return java.util.Base64.getEncoder().encodeToString(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
