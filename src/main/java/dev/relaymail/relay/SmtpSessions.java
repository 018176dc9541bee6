package dev.relaymail.relay;

import dev.relaymail.relay.transport.PipeliningTransport;
import jakarta.mail.NoSuchProviderException;
import jakarta.mail.Provider;
import jakarta.mail.Session;
import java.util.Properties;
import java.util.concurrent.ScheduledExecutorService;
import javax.net.SocketFactory;

/**
 * The one place that sets Angus Mail's connection properties: the TLS policy, the timeouts and the names that must
 * not need DNS. Angus opens connections without logging in; {@link SmtpLogin} does AUTH. Every value is set
 * explicitly, so that no Angus default (infinite timeouts, optional STARTTLS, a local host name lookup) ever applies.
 * One session serves every relay: each connection names its relay's host and port, and its certificate is verified
 * for that host.
 */
final class SmtpSessions {
    /** TLS 1.2 or newer, nothing older. */
    static final String PROTOCOLS = "TLSv1.3 TLSv1.2";

    private SmtpSessions() {}

    static Session create(RelaySettings settings, SocketFactory sockets, ScheduledExecutorService timer) {
        Properties p = new Properties();
        p.setProperty("mail.smtp.auth", "false");
        if (settings.tls() == RelaySettings.TlsMode.STARTTLS) {
            p.setProperty("mail.smtp.starttls.enable", "true");
            p.setProperty("mail.smtp.starttls.required", "true");
        } else {
            p.setProperty("mail.smtp.ssl.enable", "true");
        }
        p.setProperty("mail.smtp.ssl.protocols", PROTOCOLS);
        p.setProperty("mail.smtp.ssl.checkserveridentity", "true");
        p.setProperty("mail.smtp.connectiontimeout", Integer.toString(settings.connectTimeoutMillis()));
        p.setProperty("mail.smtp.timeout", Integer.toString(settings.timeoutMillis()));
        p.setProperty("mail.smtp.writetimeout", Integer.toString(settings.timeoutMillis()));
        p.put("mail.smtp.executor.writetimeout", timer);
        p.put("mail.smtp.socketFactory", sockets);
        p.setProperty("mail.smtp.socketFactory.fallback", "false");
        p.setProperty("mail.smtp.localhost", settings.ehloName());
        p.setProperty("mail.smtp.quitwait", "false");
        p.setProperty("mail.smtp.sendpartial", "false");
        p.setProperty("mail.smtp.allow8bitmime", "false");
        Session session = Session.getInstance(p);
        try {
            session.setProvider(new Provider(
                    Provider.Type.TRANSPORT, "smtp", PipeliningTransport.class.getName(), "relaymail", "1"));
        } catch (NoSuchProviderException e) {
            throw new IllegalStateException("registering the SMTP transport", e);
        }
        return session;
    }
}
