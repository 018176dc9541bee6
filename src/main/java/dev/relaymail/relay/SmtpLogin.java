package dev.relaymail.relay;

import dev.relaymail.core.Deadline;
import dev.relaymail.core.RelayException;
import dev.relaymail.core.RelayException.Kind;
import dev.relaymail.relay.transport.PipeliningTransport;
import dev.relaymail.secrets.Credentials;
import jakarta.mail.MessagingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.eclipse.angus.mail.smtp.SMTPTransport;

/**
 * SMTP AUTH (RFC 4954) on a connection Angus Mail opened without credentials, so that a cold start can open the
 * connection and do the TLS handshake while the secret is still being read, and log in once it is there.
 *
 * <p>A password goes with PLAIN (RFC 4616), or LOGIN when the relay offers only that (also in the obsolete
 * {@code AUTH=LOGIN} form); an OAuth2 token goes with XOAUTH2, never as a password. Credentials are sent only over
 * TLS, only with a mechanism the relay offers after STARTTLS, and only base64-encoded, so no byte of them can end a
 * command. They appear in no log and no error: Angus's protocol trace, which would show the commands, is held off
 * ({@code JsonLogging} keeps its loggers at INFO) and no login is tried while it is on, and a refusal is reported by
 * its reply code only.
 */
final class SmtpLogin {
    /** The lowest reply code that judges the credentials themselves: 535 above all (500 to 504 are syntax errors). */
    static final int REFUSED = 505;

    private static final Base64.Encoder BASE64 = Base64.getEncoder();

    private SmtpLogin() {}

    /**
     * Logs in, or throws: the relay offers no usable mechanism, refused the credentials (a 5xx from 505 on, see
     * {@link #REFUSED}), did not take the exchange (500 to 504: a protocol mismatch, not a judgement of the
     * credentials), could not check them now (another 4xx), or is closing (421) or closed the connection. All but the
     * last two are authentication failures: the relay cannot have this sender's mail now, another relay may.
     */
    static void authenticate(PipeliningTransport t, Credentials login, Deadline deadline) throws RelayException {
        if (!t.isSSL()) {
            throw new RelayException(
                    Kind.TLS, "the connection to the relay is not encrypted; the credentials were " + "not sent");
        }
        if (t.tracesCommands()) {
            throw new RelayException(
                    Kind.AUTHENTICATION,
                    "Angus Mail's protocol trace is on for this connection, "
                            + "which would log them; the credentials were not sent");
        }
        String mechanism = mechanism(offered(t), login.kind());
        int reply;
        try {
            reply = switch (mechanism) {
                case "PLAIN" ->
                    t.simpleCommand("AUTH PLAIN " + base64("\0" + login.username() + "\0" + login.password()));
                case "LOGIN" -> login(t, login);
                default -> xoauth2(t, login);
            };
            if (reply == 334) {
                reply = cancel(t);
            }
        } catch (MessagingException e) {
            throw RelayFailures.classify(e, t.getLastReturnCode(), false, deadline.remainingMillis() == 0);
        }
        if (reply != 235) {
            throw failure(reply);
        }
    }

    private static RelayException failure(int reply) {
        if (reply < 0) {
            return new RelayException(Kind.CONNECTION, "the relay closed the connection during AUTH");
        }
        if (reply == 421) {
            return new RelayException(Kind.TRANSIENT_REPLY, reply, "the relay is closing the connection (421)");
        }
        if (reply < 500) {
            return new RelayException(
                    Kind.AUTHENTICATION,
                    reply,
                    "the relay could not check the SMTP credentials " + "now (" + reply + ")");
        }
        return new RelayException(
                Kind.AUTHENTICATION,
                reply,
                reply >= REFUSED
                        ? "the relay rejected the SMTP credentials (" + reply + ")"
                        : "the relay did not take the AUTH exchange (" + reply + "); the credentials were not judged");
    }

    /** The mechanisms the relay offers, upper case; {@code AUTH=LOGIN} is how some old relays offer LOGIN. */
    private static List<String> offered(SMTPTransport t) {
        List<String> offered = new ArrayList<>();
        String auth = t.getExtensionParameter("AUTH");
        for (String mechanism : auth == null ? new String[0] : auth.split(" ")) {
            if (!mechanism.isBlank()) {
                offered.add(mechanism.strip().toUpperCase(Locale.ROOT));
            }
        }
        if (t.supportsExtension("AUTH=LOGIN") && !offered.contains("LOGIN")) {
            offered.add("LOGIN");
        }
        return offered;
    }

    /** PLAIN, else LOGIN, for a password; XOAUTH2 for a token; a failure naming what the relay offers otherwise. */
    private static String mechanism(List<String> offered, Credentials.Kind kind) throws RelayException {
        List<String> usable = switch (kind) {
            case PASSWORD -> List.of("PLAIN", "LOGIN");
            case OAUTH2_TOKEN -> List.of("XOAUTH2");
        };
        for (String mechanism : usable) {
            if (offered.contains(mechanism)) {
                return mechanism;
            }
        }
        if (offered.isEmpty()) {
            throw new RelayException(
                    Kind.AUTHENTICATION, "the relay offers no AUTH after STARTTLS; the credentials were not sent");
        }
        throw new RelayException(
                Kind.AUTHENTICATION,
                "the relay offers no AUTH mechanism for these credentials "
                        + "(PLAIN or LOGIN for a password, XOAUTH2 for an OAuth2 token); the credentials were not sent");
    }

    /** LOGIN: the user name and the password each in answer to a 334 challenge; the last reply. */
    private static int login(SMTPTransport t, Credentials login) throws MessagingException {
        int reply = t.simpleCommand("AUTH LOGIN");
        if (reply == 334) {
            reply = t.simpleCommand(base64(login.username()));
        }
        if (reply == 334) {
            reply = t.simpleCommand(base64(login.password()));
        }
        return reply;
    }

    /**
     * XOAUTH2: the user and the token in one initial response. A relay that refuses the token answers with a 334
     * challenge carrying its error, to which the client sends an empty line; the reply to that ends the exchange.
     */
    private static int xoauth2(SMTPTransport t, Credentials login) throws MessagingException {
        int reply = t.simpleCommand("AUTH XOAUTH2 "
                + base64("user=" + login.username() + "\u0001auth=Bearer " + login.password() + "\u0001\u0001"));
        return reply == 334 ? t.simpleCommand("") : reply;
    }

    /**
     * Ends an exchange the relay wants to go on with after the mechanism said all it has ("*", RFC 4954); the relay's
     * reply to that (501) ends it.
     */
    private static int cancel(SMTPTransport t) throws MessagingException {
        return t.simpleCommand("*");
    }

    private static String base64(String text) {
        return BASE64.encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
