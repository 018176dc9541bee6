package dev.relaymail.relay;

import static dev.relaymail.relay.SmtpRelayChunkingIT.verbs;
import static dev.relaymail.relay.SmtpRelayIT.deadline;
import static dev.relaymail.testing.ScriptedRelay.reply;
import static dev.relaymail.testing.TestCredentials.fixed;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.relaymail.core.ComposedMessage;
import dev.relaymail.core.Deadline;
import dev.relaymail.core.RelayException;
import dev.relaymail.core.RelayException.Kind;
import dev.relaymail.testing.Await;
import dev.relaymail.testing.ScriptedRelay;
import dev.relaymail.testing.TestMessages;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A message waiting for the one connection goes ahead: its envelope follows the content of the message on the
 * connection in the same flight (RFC 2920), and the connection is handed over to it. Each case runs with CHUNKING
 * (BDAT) and with PIPELINING alone (DATA). The relay answers the first message's content only once the next command
 * has arrived ({@link ScriptedRelay.Deferred}), so a client that waited for that answer before sending the next
 * envelope would get none.
 */
class SmtpRelayEnvelopeAheadIT {
    private final ExecutorService senders = Executors.newFixedThreadPool(2);
    private final ComposedMessage first = TestMessages.simple("first", "ann@example.org", "bob@example.net");
    private final ComposedMessage second = TestMessages.simple("second", "ann@example.org", "bob@example.net");

    @AfterEach
    void stop() {
        senders.shutdownNow();
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void theNextMessagesEnvelopeGoesWithTheContentAndItsOwnContentFollowsItsReplies(boolean chunking) throws Exception {
        try (ScriptedRelay server = relay(chunking);
                SmtpRelay relay = oneConnection(server)) {
            answerContentOnceTheNextCommandArrived(server, chunking, "250 2.0.0 queued");

            List<Future<String>> sent = sendBoth(relay, server);

            sent.get(0).get();
            sent.get(1).get();
            String content = chunking ? "BDAT" : "DATA";
            assertEquals(List.of("MAIL", "RCPT", "RCPT", content, "MAIL", "RCPT", "RCPT", content), verbs(server));
            assertDelivered(server, chunking, first, second);
            assertEquals(1, server.connections(), "one connection, handed from one message to the next");
        }
    }

    /**
     * A refused BDAT would be followed by RSET, which would end the next message's transaction too: the connection is
     * closed instead and the next message goes on a new one. The reply to the end of data ends its transaction by
     * itself, so with DATA the next message goes on the same connection.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aRefusedContentWithTheNextEnvelopeAheadFailsAloneAndTheNextIsDelivered(boolean chunking) throws Exception {
        try (ScriptedRelay server = relay(chunking);
                SmtpRelay relay = oneConnection(server)) {
            answerContentOnceTheNextCommandArrived(server, chunking, "554 5.7.1 message content rejected");

            List<Future<String>> sent = sendBoth(relay, server);

            RelayException refused = failure(sent.get(0));
            sent.get(1).get();
            assertEquals(Kind.PERMANENT_REPLY, refused.kind(), refused.getMessage());
            assertEquals(554, refused.smtpCode().getAsInt());
            assertEquals(List.of(), rsets(server));
            assertEquals(1, server.accepted().size());
            assertArrayEquals(second.mime(), content(chunking, server.accepted().get(0)));
            assertEquals(chunking ? 2 : 1, server.connections());
        }
    }

    /**
     * Lost once the flight is out: the relay may have the first message (unknown), never the next one's content, so the
     * next one is sent on a new connection, exactly once.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aConnectionLostAfterTheFlightLeavesTheFirstUnknownAndSendsTheNextOnceOnANewConnection(boolean chunking)
            throws Exception {
        try (ScriptedRelay server = relay(chunking);
                SmtpRelay relay = oneConnection(server)) {
            server.on(chunking ? "BDAT" : "DOT", c -> c.occurrence() == 0 ? new ScriptedRelay.Drop() : null);

            List<Future<String>> sent = sendBoth(relay, server);

            RelayException lost = failure(sent.get(0));
            sent.get(1).get();
            assertEquals(Kind.UNKNOWN_OUTCOME, lost.kind(), lost.getMessage());
            assertDelivered(server, chunking, first, second);
            assertEquals(2, server.connections());
        }
    }

    /**
     * The next message's recipient refused in the replies to its envelope: it fails with that refusal and none of its
     * content goes. With BDAT its transaction is reset and the connection kept; with DATA the relay took DATA for the
     * other recipient, so the connection is closed rather than send anything.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void theNextMessagesRefusedRecipientFailsItWithoutContent(boolean chunking) throws Exception {
        try (ScriptedRelay server = relay(chunking);
                SmtpRelay relay = oneConnection(server)) {
            answerContentOnceTheNextCommandArrived(server, chunking, "250 2.0.0 queued");
            server.on(
                    "RCPT", c -> c.occurrence() >= 2 && c.line().contains("bob@") ? reply("550 5.1.1 unknown") : null);

            List<Future<String>> sent = sendBoth(relay, server);

            sent.get(0).get();
            RelayException refused = failure(sent.get(1));
            assertEquals(Kind.PERMANENT_REPLY, refused.kind(), refused.getMessage());
            assertEquals(550, refused.smtpCode().getAsInt());
            assertDelivered(server, chunking, first);
            assertEquals(chunking ? List.of("RSET") : List.of(), rsets(server));
        }
    }

    /**
     * Handed the connection with too little time left to read its envelope's replies, the next message fails for want
     * of time, and the connection, whose replies nobody will read, is closed rather than given to another message.
     */
    @Test
    void aMessageHandedOverWithoutTimeLeftLeavesNoEnvelopeBehindForTheNext() throws Exception {
        try (ScriptedRelay server = relay(true);
                SmtpRelay relay = oneConnection(server)) {
            // long enough for the first message's content, and the claim with it, to go on a busy machine; the relay
            // then answers only once this deadline leaves the second message too little time
            Deadline soon = Deadline.in(Duration.ofSeconds(5));
            server.on("BDAT", c -> {
                if (c.occurrence() == 0) {
                    Await.until(
                            "the second message to have too little time left",
                            () -> !soon.allows(SmtpConnection.MIN_TIME));
                }
                return null;
            });

            List<Future<String>> sent = sendBoth(relay, server, soon);

            sent.get(0).get();
            RelayException late = failure(sent.get(1));
            relay.send(TestMessages.simple("third", "ann@example.org", "bob@example.net"), deadline());
            assertEquals(Kind.DEADLINE, late.kind(), late.getMessage());
            assertEquals(
                    List.of("MAIL", "RCPT", "RCPT", "BDAT", "MAIL", "RCPT", "RCPT"),
                    verbs(server).subList(0, 7),
                    "the second message's envelope went with the first one's content");
            assertEquals(2, server.chunkedMessages().size(), "the first and the third");
            assertEquals(2, server.connections(), "the third on a new connection");
        }
    }

    /**
     * A reply to no command after the next message's envelope replies: its content does not go on that connection
     * (the stray reply would be read as the verdict on it); the connection is closed and the message sent on a new one.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aReplyToNoCommandAfterTheNextEnvelopeSendsItsContentOnANewConnection(boolean chunking) throws Exception {
        try (ScriptedRelay server = relay(chunking);
                SmtpRelay relay = oneConnection(server)) {
            answerContentOnceTheNextCommandArrived(server, chunking, "250 2.0.0 queued");
            server.on(
                    "RCPT",
                    c -> c.occurrence() == 3
                            ? new ScriptedRelay.Raw(
                                    "250 2.0.0 OK\r\n250 2.0.0 stray\r\n".getBytes(StandardCharsets.US_ASCII))
                            : null);

            List<Future<String>> sent = sendBoth(relay, server);

            sent.get(0).get();
            sent.get(1).get();
            assertDelivered(server, chunking, first, second);
            assertEquals(2, server.connections(), "the second message's content went on a new connection");
        }
    }

    private static ScriptedRelay relay(boolean chunking) throws Exception {
        ScriptedRelay server = new ScriptedRelay();
        return chunking ? server.offerChunking() : server;
    }

    /**
     * One connection, with a read timeout as long as the wait below: the relay holds its first reply until the second
     * message waits for the connection.
     */
    private static SmtpRelay oneConnection(ScriptedRelay server) {
        return new SmtpRelay(SmtpRelayIT.settingsFor(server, (int) Await.BOUND.toMillis()), fixed("u", "p"));
    }

    private static void answerContentOnceTheNextCommandArrived(ScriptedRelay server, boolean chunking, String answer) {
        server.on(
                chunking ? "BDAT" : "DOT", c -> c.occurrence() == 0 ? new ScriptedRelay.Deferred(reply(answer)) : null);
    }

    /**
     * Sends the first message and, once it holds the connection, the second; the relay answers the first message's
     * MAIL only once the second waits for the connection.
     */
    private List<Future<String>> sendBoth(SmtpRelay relay, ScriptedRelay server) {
        return sendBoth(relay, server, deadline());
    }

    /** The same, the second message with this deadline. */
    private List<Future<String>> sendBoth(SmtpRelay relay, ScriptedRelay server, Deadline secondsDeadline) {
        server.on("MAIL", c -> {
            if (c.occurrence() == 0) {
                Await.until("the second message to wait for the connection", () -> relay.waiting() == 1);
            }
            return null;
        });
        Future<String> one = senders.submit(() -> relay.send(first, deadline()));
        Await.until("the first message's MAIL", () -> server.count("MAIL") == 1);
        Future<String> two = senders.submit(() -> relay.send(second, secondsDeadline));
        return List.of(one, two);
    }

    private static RelayException failure(Future<String> sent) {
        ExecutionException e = assertThrows(ExecutionException.class, sent::get);
        return assertInstanceOf(RelayException.class, e.getCause());
    }

    private static List<String> rsets(ScriptedRelay server) {
        return verbs(server).stream().filter("RSET"::equals).toList();
    }

    /** Exactly these messages reached the relay, each once, in this order. */
    private static void assertDelivered(ScriptedRelay server, boolean chunking, ComposedMessage... messages) {
        List<byte[]> received = chunking ? server.chunkedMessages() : server.payloads();
        assertEquals(messages.length, received.size());
        for (int i = 0; i < messages.length; i++) {
            assertArrayEquals(messages[i].mime(), content(chunking, received.get(i)));
        }
    }

    /** The message a relay received: with BDAT the bytes themselves, with DATA unstuffed and without the end of data. */
    private static byte[] content(boolean chunking, byte[] received) {
        if (chunking) {
            return received;
        }
        String data = new String(received, 0, received.length - ".\r\n".length(), StandardCharsets.ISO_8859_1);
        return ("\r\n" + data).replace("\r\n..", "\r\n.").substring(2).getBytes(StandardCharsets.ISO_8859_1);
    }
}
