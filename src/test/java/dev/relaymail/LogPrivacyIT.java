package dev.relaymail;

import static dev.relaymail.testing.Harness.message;
import static dev.relaymail.testing.Harness.restEvent;
import static dev.relaymail.testing.Harness.sqsEvent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relaymail.logging.JsonLogging;
import dev.relaymail.testing.Harness;
import dev.relaymail.testing.OAuth2Secrets;
import dev.relaymail.testing.ScriptedRelay;
import dev.relaymail.testing.ServiceAccountKey;
import dev.relaymail.testing.TestTokenEndpoint;
import dev.relaymail.testing.Xoauth2Relay;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.logging.LogManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * With every debug switch on, a full send, a rejected AUTH and a dead-lettered record leave no password, no AUTH
 * payload, no body, no attachment and no full recipient address in anything the process writes; on the OAuth2 paths,
 * no client secret, no service account key, no assertion's signature, no access token and no XOAUTH2 payload either.
 */
class LogPrivacyIT {
    private static final String USER = "log-user";
    private static final String PASSWORD = "Pässwort-TOP-SECRET-42";
    private static final String BODY = "BODY-MARKER-7f3a";
    private static final String HTML = "HTML-MARKER-51bd";
    private static final byte[] ATTACHMENT = "ATTACHMENT-MARKER-9c1e".getBytes(StandardCharsets.US_ASCII);
    private static final String RECIPIENT = "victim.person@example.org";
    private static final String CLIENT_SECRET = "Cl1ent~SECRET-0auth+&=/77";

    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private PrintStream out;
    private PrintStream err;

    @BeforeEach
    void everyDebugSwitchOn() {
        out = System.out;
        err = System.err;
        PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8);
        System.setOut(capture);
        System.setErr(capture);
        System.setProperty("mail.debug", "true");
        System.setProperty("mail.debug.auth", "true");
        JsonLogging.install("ALL", capture);
    }

    @AfterEach
    void restore() throws IOException {
        System.setOut(out);
        System.setErr(err);
        System.clearProperty("mail.debug");
        System.clearProperty("mail.debug.auth");
        LogManager.getLogManager().readConfiguration();
    }

    private static ObjectNode sensitiveRequest() {
        ObjectNode request = message("Victim Person <" + RECIPIENT + ">", "Quarterly numbers")
                .put("text", BODY)
                .put("html", "<p>" + HTML + "</p>");
        request.putArray("attachments")
                .addObject()
                .put("filename", "numbers.pdf")
                .put("content", Base64.getEncoder().encodeToString(ATTACHMENT));
        return request;
    }

    @Test
    void nothingSensitiveIsWrittenWhileSendingFailingAuthAndDeadLettering() throws Exception {
        List<String> authLines;
        try (ScriptedRelay relay = new ScriptedRelay();
                Harness h = new Harness(relay, USER, PASSWORD)) {
            assertEquals(
                    202,
                    h.invoke(restEvent(sensitiveRequest())).get("statusCode").asInt());
            try (ScriptedRelay rejecting = new ScriptedRelay();
                    Harness h2 = new Harness(rejecting, USER, PASSWORD)) {
                rejecting.on("AUTH", c -> ScriptedRelay.reply("535 5.7.8 Authentication credentials invalid"));
                assertEquals(
                        503,
                        h2.invoke(restEvent(sensitiveRequest()))
                                .get("statusCode")
                                .asInt());
                ObjectNode invalid = sensitiveRequest().put("unknownField", BODY);
                h2.invoke(sqsEvent("arn:aws:sqs:eu-central-1:123456789012:q", invalid));
                authLines = new java.util.ArrayList<>(relay.transcript());
                authLines.addAll(rejecting.transcript());
            }
        }
        String logs = captured.toString(StandardCharsets.UTF_8);

        assertTrue(logs.contains("message accepted by the relay"), "the capture works: " + logs);
        assertTrue(logs.contains("v***@example.org"), "recipients appear masked");
        assertTrue(logs.contains("relay_auth_failed"), "the failed AUTH is logged");
        for (String secret : List.of(
                PASSWORD,
                b64(PASSWORD),
                b64("\0" + USER + "\0" + PASSWORD),
                BODY,
                HTML,
                new String(ATTACHMENT, StandardCharsets.US_ASCII),
                Base64.getEncoder().encodeToString(ATTACHMENT),
                RECIPIENT,
                "victim.person")) {
            assertFalse(logs.contains(secret), "leaked: " + secret);
        }
        for (String line : authLines) {
            if (line.startsWith("AUTH ")) {
                for (String token : line.substring(5).split(" ")) {
                    assertFalse(token.length() > 5 && logs.contains(token), "AUTH exchange leaked: " + token);
                }
            }
        }
    }

    @Test
    void nothingSensitiveIsWrittenOnTheOAuth2Path() throws Exception {
        List<String> secrets = new ArrayList<>(
                List.of(CLIENT_SECRET, URLEncoder.encode(CLIENT_SECRET, StandardCharsets.UTF_8), BODY, RECIPIENT));
        try (TestTokenEndpoint endpoint = TestTokenEndpoint.start();
                ScriptedRelay relay = new ScriptedRelay();
                Harness h = new Harness(relay, oauth2Secret(endpoint))) {
            Xoauth2Relay.acceptOnly(relay, USER, t -> endpoint.issued().indexOf(t) == 1);
            assertEquals(
                    202,
                    h.invoke(restEvent(sensitiveRequest())).get("statusCode").asInt(),
                    "after one 535");
            try (TestTokenEndpoint refusing = TestTokenEndpoint.start();
                    Harness h2 = new Harness(relay, oauth2Secret(refusing))) {
                refusing.answer(
                        401,
                        "{\"error\": \"invalid_client\", \"error_description\": \"secret " + CLIENT_SECRET
                                + " is wrong\"}");
                assertEquals(
                        503,
                        h2.invoke(restEvent(sensitiveRequest()))
                                .get("statusCode")
                                .asInt());
                h2.invoke(sqsEvent("arn:aws:sqs:eu-central-1:123456789012:q", sensitiveRequest()));
            }
            for (String token : endpoint.issued()) {
                secrets.add(token);
                secrets.add(b64("user=" + USER + "\u0001auth=Bearer " + token + "\u0001\u0001"));
            }
            Xoauth2Relay.authLines(relay).forEach(line -> secrets.add(line.substring("AUTH XOAUTH2 ".length())));
        }
        String logs = captured.toString(StandardCharsets.UTF_8);

        assertTrue(logs.contains("got an OAuth2 access token"), "the capture works: " + logs);
        assertTrue(logs.contains("credentials_unavailable"), "the refused token request is logged");
        assertEquals(4 + 2 * 2 + 2, secrets.size(), "two tokens and two AUTH exchanges are checked: " + secrets);
        for (String secret : secrets) {
            assertFalse(logs.contains(secret), "leaked: " + secret);
        }
    }

    @Test
    void nothingSensitiveIsWrittenOnTheRefreshTokenPath() throws Exception {
        String refreshToken = "1//0gRefresh-T0ken_value";
        List<String> secrets = new ArrayList<>(List.of(
                refreshToken, URLEncoder.encode(refreshToken, StandardCharsets.UTF_8), CLIENT_SECRET, BODY, RECIPIENT));
        try (TestTokenEndpoint endpoint = TestTokenEndpoint.start().refreshable(refreshToken);
                ScriptedRelay relay = new ScriptedRelay()) {
            try (Harness h = new Harness(relay, oauth2Secret(endpoint).put("refreshToken", refreshToken))) {
                Xoauth2Relay.acceptOnly(relay, USER, t -> endpoint.issued().contains(t));
                assertEquals(
                        202,
                        h.invoke(restEvent(sensitiveRequest()))
                                .get("statusCode")
                                .asInt());
            }
            try (Harness h = new Harness(relay, oauth2Secret(endpoint).put("refreshToken", "revoked" + refreshToken))) {
                assertEquals(
                        503,
                        h.invoke(restEvent(sensitiveRequest()))
                                .get("statusCode")
                                .asInt());
            }
            for (String token : endpoint.issued()) {
                secrets.add(token);
                secrets.add("rotated-" + token);
            }
            Xoauth2Relay.authLines(relay).forEach(line -> secrets.add(line.substring("AUTH XOAUTH2 ".length())));
        }
        String logs = captured.toString(StandardCharsets.UTF_8);

        assertTrue(logs.contains("got an OAuth2 access token"), "the capture works: " + logs);
        assertTrue(logs.contains("credentials_unavailable"), "the refused token request is logged");
        assertEquals(5 + 2 + 1, secrets.size(), "one token, its rotated refresh token, one AUTH: " + secrets);
        for (String secret : secrets) {
            assertFalse(logs.contains(secret), "leaked: " + secret);
        }
    }

    @Test
    void nothingSensitiveIsWrittenOnTheServiceAccountPath() throws Exception {
        ServiceAccountKey account = ServiceAccountKey.generate();
        String[] pem = account.privateKeyPem().split("\n");
        List<String> secrets = new ArrayList<>(List.of(pem).subList(1, pem.length - 1));
        try (TestTokenEndpoint endpoint = TestTokenEndpoint.start().trust(account);
                ScriptedRelay relay = new ScriptedRelay()) {
            try (Harness h = new Harness(relay, OAuth2Secrets.serviceAccount(USER, account, endpoint.uri()))) {
                Xoauth2Relay.acceptOnly(relay, USER, t -> endpoint.issued().contains(t));
                assertEquals(
                        202,
                        h.invoke(restEvent(sensitiveRequest()))
                                .get("statusCode")
                                .asInt());
            }
            String assertion = endpoint.requests().get(0).form().get("assertion");
            secrets.add(assertion.substring(assertion.lastIndexOf('.') + 1));
            secrets.addAll(endpoint.issued());
            Xoauth2Relay.authLines(relay).forEach(line -> secrets.add(line.substring("AUTH XOAUTH2 ".length())));
        }
        String logs = captured.toString(StandardCharsets.UTF_8);

        assertTrue(logs.contains("got an OAuth2 access token"), "the capture works: " + logs);
        assertTrue(secrets.size() > 25, "the key's lines, the signature, the token, the AUTH payload: " + secrets);
        for (String leaked : secrets) {
            assertFalse(logs.contains(leaked), "leaked: " + leaked);
        }
    }

    private static ObjectNode oauth2Secret(TestTokenEndpoint endpoint) {
        return OAuth2Secrets.clientCredentials(USER, endpoint.uri().toString(), "client-id", CLIENT_SECRET)
                .put("scope", "smtp");
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
