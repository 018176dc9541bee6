package dev.relaymail.relay;

import dev.relaymail.core.ComposedMessage;
import dev.relaymail.core.Deadline;
import dev.relaymail.core.Relay;
import dev.relaymail.core.RelayException;
import dev.relaymail.secrets.CredentialsSource;
import jakarta.mail.Session;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The relays over Angus Mail: one {@link Session} per container and up to {@code connections} open connections,
 * kept across the messages of a batch and across warm invocations. Each message takes a free connection (waiting
 * for one when all are busy), so that several threads can send at once, and goes to the relay {@link Failover}
 * chooses, moving on to the next relay when one cannot take it.
 */
public final class SmtpRelay implements Relay, AutoCloseable {
    /** A connection unused for longer than this is checked with NOOP before the next message. */
    static final Duration IDLE_CHECK = Duration.ofSeconds(10);

    private final ScheduledExecutorService timer;
    private final Failover failover;
    /** Free connections, most recently used first, so that one sender at a time keeps using one warm connection. */
    private final BlockingDeque<ConnectionSlot> free;
    private final ConnectionSlot[] all;

    public SmtpRelay(RelaySettings settings, CredentialsSource credentials) {
        this(settings, credentials, IDLE_CHECK, Failover.RETURN_AFTER);
    }

    SmtpRelay(RelaySettings settings, CredentialsSource credentials, Duration idleCheck, Duration returnAfter) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "smtp-deadline");
            t.setDaemon(true);
            return t;
        });
        failover = new Failover(settings.relays(), returnAfter, System::nanoTime);
        DeadlineSockets sockets = new DeadlineSockets();
        RefusedLogins refused = new RefusedLogins(System::nanoTime);
        Session session = SmtpSessions.create(settings, sockets, timer);
        all = new ConnectionSlot[settings.connections()];
        free = new LinkedBlockingDeque<>(all.length);
        for (int i = 0; i < all.length; i++) {
            all[i] = new ConnectionSlot(settings.relays(),
                    relay -> new SmtpConnection(relay, credentials, refused, session, sockets, timer, idleCheck));
            free.add(all[i]);
        }
    }

    @Override
    public String send(ComposedMessage message, Deadline deadline) throws RelayException {
        return onSomeRelay(connection -> connection.send(message, deadline), deadline).toString();
    }

    /**
     * Opens one connection and logs in ahead of the first message, reading the secret if it is not there yet. A
     * message sent meanwhile waits for that connection.
     */
    public void prepare(Deadline deadline) throws RelayException {
        onSomeRelay(connection -> connection.prepare(deadline), deadline);
    }

    /**
     * Opens a connection to the preferred relay without logging in (TCP, TLS, EHLO), so that a cold start does that
     * while the secret is still being read; {@link #prepare} or the first message then logs in on it.
     */
    public void openAhead(Deadline deadline) throws RelayException {
        ConnectionSlot slot = take();
        try {
            slot.to(failover.order().get(0)).openAhead(deadline);
        } finally {
            free.addFirst(slot);
        }
    }

    /** Takes a free connection slot and uses it on the relays in failover order; returns the relay that served. */
    private RelayAddress onSomeRelay(Use use, Deadline deadline) throws RelayException {
        ConnectionSlot slot = take();
        try {
            return failover.run(relay -> use.on(slot.to(relay)), deadline);
        } finally {
            free.addFirst(slot);
        }
    }

    /** What to do with a connection. */
    @FunctionalInterface
    private interface Use {
        void on(SmtpConnection connection) throws RelayException;
    }

    private ConnectionSlot take() throws RelayException {
        try {
            return free.takeFirst();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RelayException(RelayException.Kind.DEADLINE, "interrupted while waiting for a relay connection");
        }
    }

    /**
     * Closes every open connection, waiting for sends in progress to finish; the relay stays usable and reconnects
     * when it next sends.
     */
    public void disconnect() {
        List<ConnectionSlot> taken = new ArrayList<>(all.length);
        try {
            for (int i = 0; i < all.length; i++) {
                taken.add(take());
            }
        } catch (RelayException interrupted) {
            // interrupted while waiting: close what was taken
        } finally {
            taken.forEach(ConnectionSlot::disconnect);
            taken.forEach(free::addFirst);
        }
    }

    @Override
    public void close() {
        disconnect();
        timer.shutdownNow();
    }
}
