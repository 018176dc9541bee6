package dev.relaymail.relay;

import dev.relaymail.core.Redact;
import dev.relaymail.core.RelayException;
import dev.relaymail.core.RelayException.Kind;
import dev.relaymail.relay.transport.PipeliningTransport;
import jakarta.mail.MessagingException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.security.cert.CertificateExpiredException;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;

/**
 * Classifies what Angus Mail threw into a {@link RelayException}: the one place that decides which replies and
 * failures are transient, permanent or of unknown outcome. Server replies are kept in the detail with any address in
 * them masked.
 */
final class RelayFailures {
    /**
     * Temporary replies that say the sender is over a limit: 432 (Exchange Online's concurrent submissions), and the
     * enhanced codes 4.7.x (security or policy: Gmail's 421/454 4.7.0, Postfix's 450 4.7.1 rate limits, greylisting),
     * 4.3.2 (system not accepting messages), 4.2.1 (Gmail: receiving or relaying too quickly) and 4.4.5 (server busy).
     */
    private static final Pattern THROTTLING_ENHANCED = Pattern.compile("^4\\.(7\\.\\d{1,3}|3\\.2|2\\.1|4\\.5)$");
    /** Temporary replies that say so in words only (SES's {@code 454 Throttling failure: ...}). */
    private static final Pattern THROTTLING_TEXT = Pattern.compile(
            "(?i)throttl|\\brate\\b|quota|limit exceeded|exceeded the (configured )?limit|too many (messages|connections"
                    + "|recipients|requests)|too quickly");
    /**
     * Permanent codes that are quotas all the same, lifted when the day's window moves on: Google's 5.4.5 (daily
     * sending or relay limit) and Exchange Online's 5.1.90 (daily recipient limit).
     */
    private static final Pattern QUOTA_ENHANCED = Pattern.compile("^5\\.(4\\.5|1\\.90)$");
    /** ...and their words (Exchange Online's {@code SubmissionQuotaExceededException}, Google's daily limits). */
    private static final Pattern QUOTA_TEXT = Pattern.compile(
            "(?i)SubmissionQuotaExceeded|throttl|rate limit|sending rate|(daily|sending|relay|submission) (\\w+ ){0,2}"
                    + "(limit|quota)");

    private RelayFailures() {}

    /**
     * @param e              what Angus threw
     * @param lastReply      the transport's last reply code, or -1
     * @param contentSent    whether the whole message content had gone to the relay, its end included
     * @param deadlinePassed whether the invocation's deadline had passed (the socket was closed by the watchdog)
     */
    static RelayException classify(MessagingException e, int lastReply, boolean contentSent, boolean deadlinePassed) {
        RelayException reply = fromReplies(e);
        if (reply != null) {
            return reply;
        }
        if (e.getMessage() != null && e.getMessage().startsWith("STARTTLS is required")) {
            return new RelayException(Kind.TLS, "the relay does not offer STARTTLS; nothing was sent to it");
        }
        if (e instanceof PipeliningTransport.RepliesOutOfStep) {
            // the connection is closed: its replies can no longer be matched to commands
            String detail = "the relay's replies did not line up with the commands ("
                    + Redact.addressesIn(String.valueOf(e.getMessage())) + ")";
            return contentSent
                    ? new RelayException(Kind.UNKNOWN_OUTCOME, detail + "; the relay may or may not have the message")
                    : new RelayException(Kind.CONNECTION, detail + "; nothing of the message was sent");
        }
        if (contentSent) {
            // a TLS failure too: once the content is out, a broken record or an alert instead of the relay's reply
            // leaves the outcome as unknown as a dropped connection does, and another relay must not get it
            return new RelayException(
                    Kind.UNKNOWN_OUTCOME,
                    "the connection was lost after the message was sent "
                            + "and before the relay confirmed it; the relay may or may not have accepted it");
        }
        SSLException tls = cause(e, SSLException.class);
        if (tls != null) {
            return new RelayException(Kind.TLS, tlsDetail(tls));
        }
        if (deadlinePassed) {
            return new RelayException(Kind.DEADLINE, "the invocation ran out of time talking to the relay");
        }
        if (cause(e, SocketTimeoutException.class) != null) {
            return new RelayException(Kind.CONNECTION, "the relay did not answer in time");
        }
        IOException io = cause(e, IOException.class);
        String why = io != null ? io.getClass().getSimpleName() + ": " + io.getMessage() : e.getMessage();
        return new RelayException(
                Kind.CONNECTION,
                lastReply >= 400 ? lastReply : 0,
                "could not talk to the relay: " + Redact.addressesIn(String.valueOf(why)));
    }

    /**
     * A failure that carries SMTP replies (MAIL FROM, RCPT TO, end of DATA). With several refused recipients the
     * highest code decides, so one permanent refusal makes the whole message permanent: the relay is asked for all
     * recipients or none.
     */
    private static RelayException fromReplies(MessagingException e) {
        int worst = 0;
        String detail = null;
        for (Exception next = e; next instanceof MessagingException m; next = m.getNextException()) {
            int code = -1;
            String reply = null;
            if (m instanceof SMTPAddressFailedException a) {
                code = a.getReturnCode();
                reply = "recipient " + Redact.addressesIn(a.getAddress().getAddress()) + ": " + a.getMessage();
            } else if (m instanceof SMTPSendFailedException s) {
                code = s.getReturnCode();
                reply = s.getMessage();
            }
            if (code >= 400 && code > worst) {
                worst = code;
                detail = reply;
            }
        }
        if (worst == 0) {
            return null;
        }
        String text = "the relay answered " + Redact.addressesIn(detail.strip());
        RelayException failure =
                new RelayException(worst >= 500 ? Kind.PERMANENT_REPLY : Kind.TRANSIENT_REPLY, worst, text);
        return throttling(worst, detail) ? failure.throttling() : failure;
    }

    /**
     * Whether a reply refuses the message for the relay's limit on this sender (a rate, a daily quota, concurrent
     * submissions) rather than for the message: then it is tried again later, whatever its code, and the container
     * sends more slowly. The replies of Exchange Online, Google Workspace, Amazon SES and Postfix are cases in
     * RelayFailuresTest.
     *
     * @param reply the reply's text, as Angus gives it: the code, the enhanced code if any, the words
     */
    static boolean throttling(int code, String reply) {
        String[] words = reply.strip().split("[\\s-]+", 3);
        String enhanced = words.length > 1 && words[0].equals(Integer.toString(code)) ? words[1] : "";
        if (code == 432) {
            return true;
        }
        if (code >= 400 && code < 500) {
            return THROTTLING_ENHANCED.matcher(enhanced).matches()
                    || THROTTLING_TEXT.matcher(reply).find();
        }
        return code >= 500
                && code < 600
                && (QUOTA_ENHANCED.matcher(enhanced).matches()
                        || QUOTA_TEXT.matcher(reply).find());
    }

    private static String tlsDetail(SSLException e) {
        if (cause(e, CertificateExpiredException.class) != null || contains(e, "validity check failed")) {
            return "the relay's certificate has expired or is not yet valid";
        }
        if (contains(e, "No subject alternative") || contains(e, "No name matching")) {
            return "the relay's certificate does not match its host name";
        }
        if (contains(e, "PKIX path") || contains(e, "unable to find valid certification path")) {
            return "the relay's certificate is not trusted (unknown CA; add it to the JVM trust store)";
        }
        if (contains(e, "protocol_version") || contains(e, "No appropriate protocol")) {
            return "the relay offers no TLS version this function accepts (TLS 1.2 or newer)";
        }
        return "the TLS handshake with the relay failed: " + e.getMessage();
    }

    private static boolean contains(Throwable e, String text) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains(text)) {
                return true;
            }
        }
        return false;
    }

    private static <T extends Throwable> T cause(Throwable e, Class<T> type) {
        for (Throwable t = e;
                t != null;
                t = t.getCause() != null
                        ? t.getCause()
                        : t instanceof MessagingException m ? m.getNextException() : null) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
