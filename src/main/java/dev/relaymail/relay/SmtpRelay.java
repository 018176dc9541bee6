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
 * The relay over Angus Mail: one {@link Session} per container and up to {@code connections} open connections,
 * kept across the messages of a batch and across warm invocations. Each message takes a free connection (waiting
 * for one when all are busy), so that several threads can send at once.
 */
public final class SmtpRelay implements Relay, AutoCloseable {
    /** A connection unused for longer than this is checked with NOOP before the next message. */
    static final Duration IDLE_CHECK = Duration.ofSeconds(10);

    private final ScheduledExecutorService timer;
    /** Free connections, most recently used first, so that one sender at a time keeps using one warm connection. */
    private final BlockingDeque<SmtpConnection> free;
    private final SmtpConnection[] all;

    public SmtpRelay(RelaySettings settings, CredentialsSource credentials) {
        this(settings, credentials, IDLE_CHECK);
    }

    SmtpRelay(RelaySettings settings, CredentialsSource credentials, Duration idleCheck) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "smtp-deadline");
            t.setDaemon(true);
            return t;
        });
        DeadlineSockets sockets = new DeadlineSockets();
        Session session = SmtpSessions.create(settings, sockets, timer);
        all = new SmtpConnection[settings.connections()];
        free = new LinkedBlockingDeque<>(all.length);
        for (int i = 0; i < all.length; i++) {
            all[i] = new SmtpConnection(settings.relays().get(0), credentials, session, sockets, timer, idleCheck);
            free.add(all[i]);
        }
    }

    @Override
    public void send(ComposedMessage message, Deadline deadline) throws RelayException {
        SmtpConnection connection = take();
        try {
            connection.send(message, deadline);
        } finally {
            free.addFirst(connection);
        }
    }

    /**
     * Opens one connection ahead of the first message, so that a cold start reads the secret and does the TLS
     * handshake and AUTH while the rest of the function starts. A message sent meanwhile waits for that connection.
     */
    public void prepare(Deadline deadline) throws RelayException {
        SmtpConnection connection = take();
        try {
            connection.prepare(deadline);
        } finally {
            free.addFirst(connection);
        }
    }

    private SmtpConnection take() throws RelayException {
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
        List<SmtpConnection> taken = new ArrayList<>(all.length);
        try {
            for (int i = 0; i < all.length; i++) {
                taken.add(take());
            }
        } catch (RelayException interrupted) {
            // interrupted while waiting: close what was taken
        } finally {
            taken.forEach(SmtpConnection::disconnect);
            taken.forEach(free::addFirst);
        }
    }

    @Override
    public void close() {
        disconnect();
        timer.shutdownNow();
    }
}
