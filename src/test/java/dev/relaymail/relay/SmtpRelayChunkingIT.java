package dev.relaymail.relay;

import static dev.relaymail.relay.SmtpRelayIT.deadline;
import static dev.relaymail.relay.SmtpRelayIT.relayFor;
import static dev.relaymail.testing.ScriptedRelay.reply;
import static dev.relaymail.testing.TestCredentials.fixed;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relaymail.core.ComposedMessage;
import dev.relaymail.core.RelayException;
import dev.relaymail.core.RelayException.Kind;
import dev.relaymail.testing.ScriptedRelay;
import dev.relaymail.testing.ScriptedRelay.Command;
import dev.relaymail.testing.SteppingClock;
import dev.relaymail.testing.TestMessages;
import dev.relaymail.testing.TestRelay;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * RFC 3030 CHUNKING with PIPELINING: a message to one recipient goes in one flight (MAIL, RCPT, BDAT LAST and the
 * content), a message to several sends its envelope first; every refusal, lost connection and reply out of step is
 * classified exactly, and the relay never has a message it was told to send to none of its recipients.
 */
class SmtpRelayChunkingIT {

    static ScriptedRelay chunking() throws Exception {
        return new ScriptedRelay().offerChunking();
    }

    static List<String> verbs(ScriptedRelay server) {
        return server.commands().stream()
                .map(Command::verb)
                .dropWhile(v -> !v.equals("MAIL"))
                .toList();
    }

    static Command first(ScriptedRelay server, String verb) {
        return server.commands().stream()
                .filter(c -> c.verb().equals(verb))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void aMessageToOneRecipientGoesInOneFlightWithExactlyItsBytes() throws Exception {
        try (ScriptedRelay server = chunking();
                SmtpRelay relay = relayFor(server)) {
            ComposedMessage message = TestMessages.simple("one", "ann@example.org");

            relay.send(message, deadline());

            assertEquals(List.of("MAIL", "RCPT", "BDAT"), verbs(server));
            assertTrue(first(server, "MAIL").followed(), "RCPT came with MAIL");
            assertTrue(first(server, "RCPT").followed(), "BDAT came with RCPT, before any reply was read");
            assertEquals(
                    "BDAT " + message.size() + " LAST", first(server, "BDAT").line());
            assertArrayEquals(message.mime(), server.chunkedMessages().get(0), "not dot-stuffed, nothing added");
            assertEquals(List.of(), server.payloads(), "no DATA");
        }
    }

    /**
     * A message whose flight is larger than what Postfix reads at once would be answered in two pieces, the second
     * held back until the first is acknowledged: it sends its envelope first.
     */
    @ParameterizedTest
    @CsvSource({"4096, true", "4097, false"})
    void aMessageToOneRecipientGoesInOneFlightOnlyWhenTheFlightFitsIn4096Bytes(int flight, boolean oneFlight)
            throws Exception {
        try (ScriptedRelay server = chunking();
                SmtpRelay relay = relayFor(server)) {
            String head = "From: billing@example.com\r\nSubject: size\r\n\r\n";
            int envelope =
                    "MAIL FROM:<billing@example.com>\r\nRCPT TO:<ann@example.org>\r\nBDAT 4020 LAST\r\n".length();
            byte[] mime = (head + "x".repeat(flight - envelope - head.length())).getBytes(StandardCharsets.US_ASCII);
            assertEquals(4, Integer.toString(mime.length).length(), "the size has as many digits as assumed");
            ComposedMessage message = TestMessages.ofBytes(mime, "ann@example.org");

            relay.send(message, deadline());

            assertEquals(oneFlight, first(server, "RCPT").followed());
            assertArrayEquals(mime, server.chunkedMessages().get(0));
        }
    }

    @Test
    void aMessageToSeveralRecipientsSendsItsContentOnlyOnceEveryRecipientIsAccepted() throws Exception {
        try (ScriptedRelay server = chunking();
                SmtpRelay relay = relayFor(server)) {
            ComposedMessage message = TestMessages.simple("two", "ann@example.org", "bob@example.net");

            relay.send(message, deadline());

            assertEquals(List.of("MAIL", "RCPT", "RCPT", "BDAT"), verbs(server));
            assertTrue(first(server, "MAIL").followed(), "the envelope is pipelined");
            List<Command> rcpts = server.commands().stream()
                    .filter(c -> c.verb().equals("RCPT"))
                    .toList();
            assertFalse(rcpts.get(1).followed(), "BDAT waited for the replies to the envelope");
            assertArrayEquals(message.mime(), server.chunkedMessages().get(0));
        }
    }

    /**
     * The envelope of several recipients is answered before any content goes: a refused sender, one refused recipient
     * or every recipient refused gets no content, the worst code decides (all or none), and the connection is kept.
     */
    @ParameterizedTest
    @CsvSource({
        "MAIL, 553 5.7.1 sender refused, PERMANENT_REPLY, 553",
        "bob@, 550 5.1.1 unknown, PERMANENT_REPLY, 550",
        "bob@, 452 4.5.3 too many recipients, TRANSIENT_REPLY, 452",
        "@example, 550 5.1.1 unknown, PERMANENT_REPLY, 550"
    })
    void aRefusedEnvelopeOfSeveralRecipientsGetsNoContentAndTheConnectionIsKept(
            String refused, String refusal, Kind kind, int code) throws Exception {
        try (ScriptedRelay server = chunking();
                SmtpRelay relay = relayFor(server)) {
            server.on("MAIL", c -> refused.equals("MAIL") && c.occurrence() == 0 ? reply(refusal) : null);
            server.on("RCPT", c -> c.occurrence() < 2 && c.line().contains(refused) ? reply(refusal) : null);

            RelayException e = assertThrows(
                    RelayException.class,
                    () -> relay.send(TestMessages.simple("a", "ann@example.org", "bob@example.net"), deadline()));
            relay.send(TestMessages.simple("b", "ann@example.org"), deadline());

            assertEquals(kind, e.kind());
            assertEquals(code, e.smtpCode().getAsInt());
            assertEquals(List.of("MAIL", "RCPT", "RCPT", "RSET", "MAIL", "RCPT", "BDAT"), verbs(server));
            assertEquals(1, server.chunkedMessages().size(), "only the second message had content");
            assertEquals(1, server.connections());
        }
    }

    /**
     * In one flight the relay answers MAIL, RCPT and BDAT. A refused sender or recipient decides the outcome with its
     * own code: the 503 or 554 that BDAT then gets says only that there was no one to deliver to.
     */
    @ParameterizedTest
    @CsvSource({
        "MAIL, 451 4.3.0 try later, 503 5.5.1 Error: need RCPT command, TRANSIENT_REPLY, 451",
        "MAIL, 553 5.7.1 sender refused, 503 5.5.1 Error: need RCPT command, PERMANENT_REPLY, 553",
        "RCPT, 450 4.2.0 mailbox busy, 554 5.5.1 Error: no valid recipients, TRANSIENT_REPLY, 450",
        "RCPT, 550 5.1.1 unknown, 554 5.5.1 Error: no valid recipients, PERMANENT_REPLY, 550"
    })
    void aRefusedEnvelopeInOneFlightIsReportedWithItsOwnReply(
            String verb, String refusal, String bdatReply, Kind kind, int code) throws Exception {
        try (ScriptedRelay server = chunking();
                SmtpRelay relay = relayFor(server)) {
            server.on(verb, c -> reply(refusal));
            server.on("BDAT", c -> reply(bdatReply));

            RelayException e = assertThrows(
                    RelayException.class, () -> relay.send(TestMessages.simple("a", "ann@example.org"), deadline()));

            assertEquals(kind, e.kind());
            assertEquals(code, e.smtpCode().getAsInt());
            assertEquals(List.of(), server.accepted());
            assertEquals(1, server.count("RSET"), "the transaction was reset");
            server.on(verb, c -> null);
            server.on("BDAT", c -> null);
            relay.send(TestMessages.simple("b", "ann@example.org"), deadline());
            assertEquals(1, server.connections(), "and the connection kept");
        }
    }

    @ParameterizedTest
    @CsvSource({
        "552 5.3.4 Message size exceeds fixed limit, PERMANENT_REPLY, 552",
        "451 4.3.0 Error: queue file write error, TRANSIENT_REPLY, 451"
    })
    void aRefusedBdatIsPermanentOrTransientByItsCode(String bdatReply, Kind kind, int code) throws Exception {
        try (ScriptedRelay server = chunking();
                SmtpRelay relay = relayFor(server)) {
            server.on("BDAT", c -> c.occurrence() == 0 ? reply(bdatReply) : null);

            RelayException e = assertThrows(
                    RelayException.class, () -> relay.send(TestMessages.simple("a", "ann@example.org"), deadline()));
            relay.send(TestMessages.simple("b", "ann@example.org"), deadline());

            assertEquals(kind, e.kind());
            assertEquals(code, e.smtpCode().getAsInt());
            assertTrue(e.getMessage().contains(bdatReply), e.getMessage());
            assertEquals(1, server.count("RSET"));
            assertEquals(1, server.accepted().size(), "only the second message");
            assertEquals(1, server.connections());
        }
    }

    /** Once the one flight is out, a connection lost before the relay's verdict leaves the outcome unknown. */
    @ParameterizedTest
    @CsvSource({"MAIL", "RCPT", "BDAT"})
    void aConnectionLostBeforeTheLastReplyOfTheFlightIsAnUnknownOutcome(String verb) throws Exception {
        try (ScriptedRelay server = chunking();
                SmtpRelay relay = relayFor(server)) {
            server.on(verb, c -> c.connection() == 1 ? new ScriptedRelay.Drop() : null);

            RelayException e = assertThrows(
                    RelayException.class, () -> relay.send(TestMessages.simple("a", "ann@example.org"), deadline()));
            relay.send(TestMessages.simple("b", "ann@example.org"), deadline());

            assertEquals(Kind.UNKNOWN_OUTCOME, e.kind(), e.getMessage());
            assertEquals(2, server.connections(), "the next message had a new connection");
        }
    }

    /** Lost after the relay refused the only recipient: it had no one to deliver to, so the refusal is the outcome. */
    @Test
    void aConnectionLostAfterTheRecipientWasRefusedIsKnownNotDelivered() throws Exception {
        try (ScriptedRelay server = chunking();
                SmtpRelay relay = relayFor(server)) {
            server.on("RCPT", c -> c.connection() == 1 ? reply("550 5.1.1 unknown") : null);
            server.on("BDAT", c -> c.connection() == 1 ? new ScriptedRelay.Drop() : null);

            RelayException e = assertThrows(
                    RelayException.class, () -> relay.send(TestMessages.simple("a", "ann@example.org"), deadline()));
            relay.send(TestMessages.simple("b", "ann@example.org"), deadline());

            assertEquals(Kind.PERMANENT_REPLY, e.kind());
            assertEquals(550, e.smtpCode().getAsInt());
            assertEquals(2, server.connections());
        }
    }

    @Test
    void aConnectionLostAfterTheEnvelopeOfSeveralRecipientsIsKnownNotDelivered() throws Exception {
        try (ScriptedRelay server = chunking();
                SmtpRelay relay = relayFor(server)) {
            server.on("RCPT", c -> c.line().contains("bob@") ? new ScriptedRelay.Drop() : null);

            RelayException e = assertThrows(
                    RelayException.class,
                    () -> relay.send(TestMessages.simple("a", "ann@example.org", "bob@example.net"), deadline()));

            assertEquals(Kind.CONNECTION, e.kind(), e.getMessage());
            assertEquals(0, server.count("BDAT"));
        }
    }

    @Test
    void aConnectionLostWhileTheContentIsSentIsKnownNotDelivered() throws Exception {
        try (ScriptedRelay server = chunking();
                SmtpRelay relay = relayFor(server)) {
            server.on("BDAT", c -> new ScriptedRelay.DropDuringData());
            byte[] big = ("From: billing@example.com\r\nSubject: big\r\n\r\n" + "x".repeat(998) + "\r\n")
                    .repeat(8_000)
                    .getBytes(StandardCharsets.US_ASCII);
            ComposedMessage message = TestMessages.ofBytes(big, "ann@example.org");

            RelayException e = assertThrows(RelayException.class, () -> relay.send(message, deadline()));

            assertEquals(Kind.CONNECTION, e.kind(), e.getMessage());
            assertEquals(List.of(), server.accepted());
        }
    }

    /** The relay answers two commands of three: the client waits for the third until its timeout. */
    @Test
    void tooFewRepliesLeaveTheOutcomeUnknown() throws Exception {
        try (ScriptedRelay server = chunking();
                SmtpRelay relay = relayFor(server)) {
            server.on("RCPT", c -> new ScriptedRelay.Raw(new byte[0]));

            RelayException e = assertThrows(
                    RelayException.class, () -> relay.send(TestMessages.simple("a", "ann@example.org"), deadline()));

            assertEquals(Kind.UNKNOWN_OUTCOME, e.kind(), e.getMessage());
        }
    }

    /** A refusal and then an acceptance of the content: replies out of order, or a relay that contradicts itself. */
    @Test
    void theContentAcceptedAfterTheRecipientWasRefusedLeavesTheOutcomeUnknown() throws Exception {
        try (ScriptedRelay server = chunking();
                SmtpRelay relay = relayFor(server)) {
            server.on("RCPT", c -> c.connection() == 1 ? reply("550 5.1.1 unknown") : null);

            RelayException e = assertThrows(
                    RelayException.class, () -> relay.send(TestMessages.simple("a", "ann@example.org"), deadline()));
            relay.send(TestMessages.simple("b", "ann@example.org"), deadline());

            assertEquals(Kind.UNKNOWN_OUTCOME, e.kind());
            assertTrue(e.getMessage().contains("did not line up"), e.getMessage());
            assertEquals(2, server.connections(), "a connection whose replies do not line up is not used again");
        }
    }

    /**
     * More replies than commands: the ones read may belong to other commands, and the next message must not read the
     * rest.
     */
    @Test
    void aReplyToNoCommandLeavesTheOutcomeUnknownAndEndsTheConnection() throws Exception {
        try (ScriptedRelay server = chunking();
                SmtpRelay relay = relayFor(server)) {
            server.on(
                    "BDAT",
                    c -> c.connection() == 1
                            ? new ScriptedRelay.Raw(
                                    "250 2.0.0 Ok: queued\r\n250 2.0.0 Ok\r\n".getBytes(StandardCharsets.US_ASCII))
                            : null);

            RelayException e = assertThrows(
                    RelayException.class, () -> relay.send(TestMessages.simple("a", "ann@example.org"), deadline()));
            relay.send(TestMessages.simple("b", "ann@example.org"), deadline());

            assertEquals(Kind.UNKNOWN_OUTCOME, e.kind());
            assertEquals(2, server.connections());
            assertEquals(2, server.accepted().size());
        }
    }

    /** TLS broken where a reply was due: unknown once the content is out, unless a refusal was read before. */
    @ParameterizedTest
    @CsvSource({"MAIL, , UNKNOWN_OUTCOME", "BDAT, , UNKNOWN_OUTCOME", "BDAT, 550 5.1.1 unknown, PERMANENT_REPLY"})
    void aTlsRecordBrokenMidFlight(String verb, String rcptReply, Kind kind) throws Exception {
        try (ScriptedRelay server = chunking();
                SmtpRelay relay = relayFor(server)) {
            server.on(verb, c -> new ScriptedRelay.BrokenTls());
            if (rcptReply != null) {
                server.on("RCPT", c -> reply(rcptReply));
            }

            RelayException e = assertThrows(
                    RelayException.class, () -> relay.send(TestMessages.simple("a", "ann@example.org"), deadline()));

            assertEquals(kind, e.kind(), e.getMessage());
        }
    }

    /**
     * Bytes that answer no command, waiting before a flight (a 421 behind the reply to the idle check's NOOP, as a
     * relay closing an idle connection might send): the flight does not go on that connection, and the message goes on
     * a fresh one, instead of its content going out and the 421 being read as the reply to its MAIL FROM.
     */
    @Test
    void bytesWaitingBeforeAFlightSendTheMessageOnAFreshConnection() throws Exception {
        SteppingClock clock = new SteppingClock(Instant.parse("2026-12-07T10:00:00Z"));
        try (ScriptedRelay server = chunking();
                SmtpRelay relay = relayFor(server, clock)) {
            relay.send(TestMessages.simple("a", "ann@example.org"), deadline());
            server.on(
                    "NOOP",
                    c -> new ScriptedRelay.Raw("250 2.0.0 OK\r\n421 4.4.2 scripted.example Error: timeout exceeded\r\n"
                            .getBytes(StandardCharsets.US_ASCII)));
            clock.advance(SmtpRelay.IDLE_CHECK);

            relay.send(TestMessages.simple("b", "ann@example.org"), deadline());

            assertEquals(1, server.count("NOOP"));
            assertEquals(2, server.connections(), "the message went on a fresh connection");
            assertEquals(
                    List.of(2, 2),
                    server.commands().stream()
                            .filter(c -> c.verb().equals("MAIL") || c.verb().equals("BDAT"))
                            .skip(2)
                            .map(Command::connection)
                            .toList(),
                    "nothing of it on the first");
            assertEquals(2, server.accepted().size());
        }
    }

    @Test
    void aRelayThatOffersChunkingWithoutPipeliningGetsOneCommandAtATimeAndBdat() throws Exception {
        try (ScriptedRelay server = new ScriptedRelay()) {
            server.extensions("250-scripted.example\r\n250-CHUNKING\r\n250 AUTH PLAIN LOGIN");
            try (SmtpRelay relay = relayFor(server)) {
                ComposedMessage message = TestMessages.simple("a", "ann@example.org", "bob@example.net");
                relay.send(message, deadline());

                assertEquals(List.of("MAIL", "RCPT", "RCPT", "BDAT"), verbs(server));
                assertTrue(
                        server.commands().stream()
                                .filter(c -> !c.verb().equals("BDAT"))
                                .noneMatch(Command::followed),
                        "each command waited for its reply; only BDAT is followed, by its content");
                assertArrayEquals(message.mime(), server.chunkedMessages().get(0));
            }
        }
    }

    /** A real SMTP server (subethasmtp, which offers CHUNKING) reads the BDAT content as exactly the composed bytes. */
    @Test
    void aRealServerReceivesTheBdatContentByteExact() throws Exception {
        try (TestRelay server = TestRelay.start();
                SmtpRelay relay = relayFor(server, fixed(server.username(), server.password()))) {
            byte[] tricky = ("From: billing@example.com\r\nSubject: dots\r\n\r\n.\r\n..\r\nline\r\n.\r\n"
                            + "\r\n.\r\nend without a line break")
                    .getBytes(StandardCharsets.US_ASCII);
            ComposedMessage message = TestMessages.ofBytes(tricky, "ann@example.org");

            relay.send(message, deadline());
            relay.send(TestMessages.simple("next", "ann@example.org"), deadline());

            assertArrayEquals(tricky, server.received().get(0).data());
            assertArrayEquals(
                    TestMessages.simple("next", "ann@example.org").mime(),
                    server.received().get(1).data());
            assertEquals(1, server.connections());
        }
    }
}
