package dev.relaymail.relay;

import dev.relaymail.core.Redact;
import dev.relaymail.core.RelayException;
import dev.relaymail.core.RelayException.Kind;
import jakarta.mail.MessagingException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.security.cert.CertificateExpiredException;
import javax.net.ssl.SSLException;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;

/**
 * Classifies what Angus Mail threw into a {@link RelayException}: the one place that decides which replies and
 * failures are transient, permanent or of unknown outcome. Server replies are kept in the detail with any address in
 * them masked.
 */
final class RelayFailures {
    private RelayFailures() {}

    /**
     * @param e              what Angus threw
     * @param lastReply      the transport's last reply code, or -1
     * @param contentWritten whether the message content had been handed to the connection
     * @param deadlinePassed whether the invocation's deadline had passed (the socket was closed by the watchdog)
     */
    static RelayException classify(
            MessagingException e, int lastReply, boolean contentWritten, boolean deadlinePassed) {
        RelayException reply = fromReplies(e);
        if (reply != null) {
            return reply;
        }
        if (e.getMessage() != null && e.getMessage().startsWith("STARTTLS is required")) {
            return new RelayException(Kind.TLS, "the relay does not offer STARTTLS; nothing was sent to it");
        }
        if (contentWritten) {
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
        return new RelayException(worst >= 500 ? Kind.PERMANENT_REPLY : Kind.TRANSIENT_REPLY, worst, text);
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
