package dev.relaymail.relay;

import dev.relaymail.core.ComposedMessage;
import dev.relaymail.core.Deadline;
import dev.relaymail.core.MailAddress;
import dev.relaymail.core.RelayException;
import dev.relaymail.core.RelayException.Kind;
import dev.relaymail.relay.transport.PipeliningTransport;
import dev.relaymail.secrets.Credentials;
import dev.relaymail.secrets.CredentialsSource;
import jakarta.mail.MessagingException;
import jakarta.mail.NoSuchProviderException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.angus.mail.smtp.SMTPTransport;

/**
 * One connection to one relay, kept open between messages and across warm invocations. Used by one thread at a
 * time. A connection idle for a while is checked with {@code NOOP} before use; one that turns out dead before any
 * content was sent, or that the relay closes with 421, is replaced once, transparently.
 *
 * <p>Every exchange is bounded by the invocation's deadline: socket timeouts are capped by the time left, and a
 * watchdog closes the socket when the deadline passes, so a stalled relay never outlives the invocation.
 */
final class SmtpConnection {
    private static final Logger LOG = Logger.getLogger(SmtpRelay.class.getName());
    /** Below this much time left, no new exchange is started. */
    static final Duration MIN_TIME = Duration.ofMillis(250);

    private final RelayAddress relay;
    private final CredentialsSource credentials;
    private final RefusedLogins refused;
    private final RecentAnswer answered;
    private final Session session;
    private final DeadlineSockets sockets;
    private final ScheduledExecutorService timer;
    private final Duration idleCheck;
    private final LongSupplier nanoTime;
    private PipeliningTransport transport;
    /** Whether {@link #transport} has logged in; one opened ahead of the credentials has not, yet. */
    private boolean loggedIn;
    /** The socket under {@link #transport}, set as soon as it exists: the watchdog closes it from another thread. */
    private volatile DeadlineSockets.CappedSocket socket;

    private long lastUsed;

    SmtpConnection(
            RelayAddress relay,
            CredentialsSource credentials,
            RefusedLogins refused,
            RecentAnswer answered,
            Session session,
            DeadlineSockets sockets,
            ScheduledExecutorService timer,
            Duration idleCheck,
            LongSupplier nanoTime) {
        this.relay = relay;
        this.credentials = credentials;
        this.refused = refused;
        this.answered = answered;
        this.session = session;
        this.sockets = sockets;
        this.timer = timer;
        this.idleCheck = idleCheck;
        this.nanoTime = nanoTime;
    }

    /**
     * Sends the message; {@code next} is asked for the message to send after it on this connection, whose envelope
     * then goes with this one's content ({@link #sentAhead()}).
     */
    void send(ComposedMessage message, Deadline deadline, PipeliningTransport.NextMessage next) throws RelayException {
        guarded(deadline, () -> {
            applyDeadline(deadline);
            boolean reused = connect(deadline);
            try {
                deliver(message, deadline, next);
            } catch (RelayException e) {
                if (!worthAnotherConnection(e, reused)) {
                    throw e;
                }
                LOG.log(Level.INFO, "relay connection unusable ({0}); reconnecting once", e.getMessage());
                connect(deadline);
                deliver(message, deadline, next);
            }
        });
    }

    /**
     * The envelope that went with the last message's content and waits for its message, which must be the next sent
     * on this connection; null when none did or the connection cannot carry it.
     */
    PipeliningTransport.Envelope sentAhead() {
        return transport == null ? null : transport.sentAhead();
    }

    /** A message's envelope, as the transport sends it ahead. */
    static PipeliningTransport.Envelope envelope(ComposedMessage message) {
        return new PipeliningTransport.Envelope(
                message.envelopeFrom().address(),
                message.envelopeRecipients().stream().map(MailAddress::address).toList());
    }

    /**
     * Logs in ahead of the first message (reading the credentials on the way), on the connection opened ahead if it
     * is still usable, else on a new one; nothing when a logged-in connection is open.
     */
    void prepare(Deadline deadline) throws RelayException {
        guarded(deadline, () -> connect(deadline));
    }

    /**
     * Opens the connection (TCP, TLS, EHLO) without logging in, if none is open, so that it is ready when the
     * credentials are: the next {@link #prepare} or {@link #send} logs in on it.
     */
    void openAhead(Deadline deadline) throws RelayException {
        guarded(deadline, () -> {
            if (transport == null) {
                open(deadline);
            }
        });
    }

    /** Runs a step with the relay, ended by closing the socket when the deadline passes. */
    private void guarded(Deadline deadline, Step step) throws RelayException {
        if (!deadline.allows(MIN_TIME)) {
            throw new RelayException(Kind.DEADLINE, "not enough time left in this invocation to talk to the relay");
        }
        ScheduledFuture<?> watchdog = timer.schedule(this::abort, deadline.remainingMillis(), TimeUnit.MILLISECONDS);
        try {
            step.run();
        } finally {
            watchdog.cancel(false);
            applyDeadline(null);
        }
    }

    /** A step of {@link #guarded}. */
    @FunctionalInterface
    private interface Step {
        void run() throws RelayException;
    }

    /**
     * A connection kept from earlier may have died while idle, and a 421 means the relay is closing this one: in
     * both cases nothing was accepted, so the message gets one fresh connection.
     */
    private static boolean worthAnotherConnection(RelayException e, boolean reused) {
        return (reused && e.kind() == Kind.CONNECTION)
                || (e.kind() == Kind.TRANSIENT_REPLY && e.smtpCode().orElse(0) == 421);
    }

    /**
     * Makes sure a usable, logged-in connection is open; returns true when it was kept from earlier. Failures to
     * connect need an operator (relay down, no STARTTLS, certificate, credentials) and are logged as errors saying
     * which; a connection refused a moment after the relay answered is most likely one more than it allows, which
     * the relay adapter handles, and is logged as a warning.
     */
    private boolean connect(Deadline deadline) throws RelayException {
        if (loggedIn && usable()) {
            return true;
        }
        try {
            Credentials login = credentials.current(deadline);
            refused.check(relay, login);
            try {
                logIn(login, deadline);
            } catch (RelayException e) {
                if (!rejected(e)) {
                    throw e;
                }
                LOG.warning("the relay rejected the SMTP credentials; reading the secret again in case it rotated");
                logInAgain(credentials.refresh(deadline), deadline);
            }
        } catch (RelayException e) {
            if (e.kind() != Kind.DEADLINE) {
                LOG.log(
                        answered.refusedWhileUp(relay.toString(), e) ? Level.WARNING : Level.SEVERE,
                        "cannot use relay {0}: {1}",
                        new Object[] {relay, e.getMessage()});
            }
            throw e;
        }
        return false;
    }

    /** Whether the open connection can be used without more ado: used a moment ago, or still answering NOOP. */
    private boolean usable() {
        // NOOP would be answered after the replies to an envelope sent ahead: that connection was used a moment ago
        return transport != null
                && (nanoTime.getAsLong() - lastUsed < idleCheck.toNanos()
                        || transport.sentAhead() != null
                        || transport.isConnected());
    }

    /**
     * Logs in on the connection opened ahead of the credentials if it is still usable, else on a new one. A failed
     * login closes the connection; when the one opened ahead turns out dead (or closing) by then, a new one is tried
     * once.
     */
    private void logIn(Credentials login, Deadline deadline) throws RelayException {
        boolean openedAhead = !loggedIn && usable();
        if (!openedAhead) {
            open(deadline);
        }
        try {
            authenticate(login, deadline);
        } catch (RelayException e) {
            if (!openedAhead || !worthAnotherConnection(e, true)) {
                throw e;
            }
            LOG.log(Level.INFO, "the relay connection opened ahead is unusable ({0}); opening another", e.getMessage());
            open(deadline);
            authenticate(login, deadline);
        }
        loggedIn = true;
        lastUsed = nanoTime.getAsLong();
    }

    private void authenticate(Credentials login, Deadline deadline) throws RelayException {
        try {
            SmtpLogin.authenticate(transport, login, deadline);
        } catch (RelayException e) {
            disconnect();
            throw e;
        }
    }

    /**
     * Logs in with the credentials read again after a refusal. When the relay refuses these too, it is not asked
     * again with them for a while ({@link RefusedLogins}).
     */
    private void logInAgain(Credentials login, Deadline deadline) throws RelayException {
        try {
            logIn(login, deadline);
        } catch (RelayException e) {
            if (rejected(e)) {
                refused.refused(relay, login);
            }
            throw e;
        }
    }

    /**
     * Whether the relay refused the credentials themselves, so that the secret may have rotated or the token been
     * revoked ({@link SmtpLogin#REFUSED}).
     */
    private static boolean rejected(RelayException e) {
        return e.kind() == Kind.AUTHENTICATION && e.smtpCode().orElse(0) >= SmtpLogin.REFUSED;
    }

    /** Opens a new connection, closing the one open before: TCP, STARTTLS or implicit TLS, EHLO; no login yet. */
    private void open(Deadline deadline) throws RelayException {
        disconnect();
        PipeliningTransport t;
        try {
            t = (PipeliningTransport) session.getTransport("smtp");
        } catch (NoSuchProviderException e) {
            throw new IllegalStateException("Angus Mail's SMTP provider is missing from the class path", e);
        }
        sockets.prepare(deadline, created -> socket = created);
        try {
            t.connect(relay.host(), relay.port(), null, null);
        } catch (MessagingException e) {
            throw RelayFailures.classify(e, t.getLastReturnCode(), false, deadline.remainingMillis() == 0);
        } finally {
            sockets.done();
        }
        transport = t;
        lastUsed = nanoTime.getAsLong();
    }

    private void deliver(ComposedMessage message, Deadline deadline, PipeliningTransport.NextMessage next)
            throws RelayException {
        EncodedMessage encoded = new EncodedMessage(session, message);
        try {
            transport.sendMessage(encoded, addresses(message.envelopeRecipients()), next);
            lastUsed = nanoTime.getAsLong();
        } catch (MessagingException e) {
            RelayException failure = RelayFailures.classify(
                    e, transport.getLastReturnCode(), transport.contentSent(), deadline.remainingMillis() == 0);
            if (failure.connectionLevel() || failure.kind() == Kind.DEADLINE || transport.abandoned()) {
                disconnect();
            }
            throw failure;
        }
    }

    private static InternetAddress[] addresses(List<MailAddress> recipients) {
        InternetAddress[] result = new InternetAddress[recipients.size()];
        for (int i = 0; i < result.length; i++) {
            result[i] = new InternetAddress();
            result[i].setAddress(recipients.get(i).address());
        }
        return result;
    }

    private void applyDeadline(Deadline deadline) {
        if (socket == null) {
            return;
        }
        try {
            socket.deadline(deadline);
        } catch (SocketException e) {
            disconnect();
        }
    }

    private void abort() {
        DeadlineSockets.CappedSocket s = socket;
        if (s != null) {
            s.abort();
        }
    }

    /** Whether a connection is open (usable or not): a message on it would not begin by opening one. */
    boolean open() {
        return transport != null;
    }

    void disconnect() {
        if (transport != null) {
            closeQuietly(transport);
            transport = null;
        }
        socket = null;
        loggedIn = false;
    }

    private static void closeQuietly(SMTPTransport t) {
        try {
            t.close();
        } catch (MessagingException e) {
            // the connection is gone either way
        }
    }
}
