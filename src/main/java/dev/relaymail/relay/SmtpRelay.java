package dev.relaymail.relay;

import dev.relaymail.core.ComposedMessage;
import dev.relaymail.core.Deadline;
import dev.relaymail.core.Relay;
import dev.relaymail.core.RelayException;
import dev.relaymail.logging.LogFields;
import dev.relaymail.relay.transport.PipeliningTransport;
import dev.relaymail.secrets.CredentialsSource;
import jakarta.mail.Session;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The relays over Angus Mail: one {@link Session} per container and up to {@code connections} open connections,
 * kept across the messages of a batch and across warm invocations. Each message takes a free connection (waiting
 * for one when all are busy), so that several threads can send at once, and goes to the relay {@link Failover}
 * chooses, moving on to the next relay when one cannot take it.
 *
 * <p>A relay may allow fewer connections per client than configured. When it refuses to open one more (connection
 * refused, reset or 421) while it took a message of this container a moment ago, or refuses a message with 432
 * because its connection is one more than may send at once (Exchange Online), the message waits for one of the
 * open connections instead of failing, and the container uses one connection fewer for
 * {@link #FEWER_CONNECTIONS_FOR}, then tries again; never fewer than one, and a message moves over once only.
 *
 * <p>A message that waits for a connection can be taken along by a busy one: when the message on it has its content
 * ready to go, the waiting message's envelope goes in the same flight, and the connection is handed over to it
 * rather than given back, so that its replies are read by the message they answer. The next message then costs
 * one round trip instead of two. A connection that cannot carry it on (lost, or closed after a refusal) gives the
 * waiting message its turn back, and the message goes as if nothing had been sent for it: nothing was, but an
 * envelope.
 */
public final class SmtpRelay implements Relay, AutoCloseable {
    /** A connection unused for longer than this is checked with NOOP before the next message. */
    static final Duration IDLE_CHECK = Duration.ofSeconds(10);
    /** How long a container uses one connection fewer after the relay refused to open one more. */
    static final Duration FEWER_CONNECTIONS_FOR = Duration.ofSeconds(60);

    private static final Logger LOG = Logger.getLogger(SmtpRelay.class.getName());

    private final ScheduledExecutorService timer;
    private final Failover failover;
    /** Free connections, most recently used first, so that one sender at a time keeps using one warm connection. */
    private final Deque<ConnectionSlot> free = new ArrayDeque<>();

    private final ConnectionSlot[] all;
    /**
     * How many more messages may use a connection now: as many as connections are in use, less those sending. A
     * connection handed over keeps its permit.
     */
    private int permits;
    /** Messages waiting for a permit, oldest first: a connection may take the first along ({@link #claimNext}). */
    private final Deque<Turn> waiting = new ArrayDeque<>();
    /** Connections in use now: {@code connections}, or fewer while the relay refuses more. */
    private final AtomicInteger inUse;

    private final Duration fewerFor;
    private final RecentAnswer answered;

    public SmtpRelay(RelaySettings settings, CredentialsSource credentials) {
        this(settings, credentials, IDLE_CHECK, Failover.RETURN_AFTER, FEWER_CONNECTIONS_FOR, System::nanoTime);
    }

    SmtpRelay(
            RelaySettings settings,
            CredentialsSource credentials,
            Duration idleCheck,
            Duration returnAfter,
            Duration fewerFor,
            LongSupplier nanoTime) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "smtp-deadline");
            t.setDaemon(true);
            return t;
        });
        failover = new Failover(settings.relays(), returnAfter, nanoTime);
        answered = new RecentAnswer(nanoTime);
        DeadlineSockets sockets = new DeadlineSockets();
        RefusedLogins refused = new RefusedLogins(nanoTime);
        Session session = SmtpSessions.create(settings, sockets, timer);
        all = new ConnectionSlot[settings.connections()];
        permits = all.length;
        inUse = new AtomicInteger(all.length);
        this.fewerFor = fewerFor;
        for (int i = 0; i < all.length; i++) {
            all[i] = new ConnectionSlot(
                    settings.relays(),
                    relay -> new SmtpConnection(
                            relay, credentials, refused, answered, session, sockets, timer, idleCheck, nanoTime));
            free.add(all[i]);
        }
    }

    @Override
    public String send(ComposedMessage message, Deadline deadline) throws RelayException {
        Turn turn = new Turn(SmtpConnection.envelope(message));
        return onSomeRelay(connection -> connection.send(message, deadline, () -> claimNext(turn)), deadline, turn)
                .toString();
    }

    /**
     * Opens one connection and logs in ahead of the first message, reading the secret if it is not there yet. A
     * message sent meanwhile waits for that connection.
     */
    public void prepare(Deadline deadline) throws RelayException {
        onSomeRelay(connection -> connection.prepare(deadline), deadline, null);
    }

    /**
     * Opens a connection to the preferred relay without logging in (TCP, TLS, EHLO), so that a cold start does that
     * while the secret is still being read; {@link #prepare} or the first message then logs in on it.
     */
    public void openAhead(Deadline deadline) throws RelayException {
        ConnectionSlot slot = take(false, deadline);
        try {
            slot.to(failover.order().get(0)).openAhead(deadline);
        } finally {
            giveBack(slot, true);
        }
    }

    /**
     * Takes a free connection slot (or the one handed over to this message's turn) and uses it on the relays in
     * failover order; returns the relay that served. A message whose connection was one too many for the relay moves
     * over to an open one, once; when none is open by then, the relay's refusal is its answer.
     */
    private RelayAddress onSomeRelay(Use use, Deadline deadline, Turn turn) throws RelayException {
        RelayException movedOver = null;
        while (true) {
            boolean turnTaken = movedOver == null && turn != null;
            ConnectionSlot handed = turnTaken ? awaitTurn(turn, deadline) : null;
            ConnectionSlot slot = handed != null ? handed : takeWithPermit(turnTaken, movedOver != null, deadline);
            if (slot == null) {
                throw movedOver;
            }
            boolean opens = !slot.open();
            boolean first = movedOver == null;
            Predicate<RelayException> movesOver =
                    e -> first && oneTooMany(e, opens) && deadline.allows(SmtpConnection.MIN_TIME) && inUse.get() > 1;
            boolean refused = false;
            try {
                RelayAddress served = failover.run(relay -> use.on(slot.to(relay)), movesOver, deadline);
                answered.now(served);
                return served;
            } catch (RelayException e) {
                refused = movesOver.test(e) && useOneFewer(e);
                if (!refused) {
                    throw e;
                }
                movedOver = e;
            } finally {
                handOn(slot, !refused, turn);
            }
        }
    }

    /**
     * A free slot, with a permit: taken already ({@code permitted}, by {@link #awaitTurn}) or waited for now. With
     * {@code open}, only one holding an open connection, or null when there is none.
     */
    private ConnectionSlot takeWithPermit(boolean permitted, boolean open, Deadline deadline) throws RelayException {
        if (!permitted) {
            acquire(deadline);
        }
        try {
            ConnectionSlot slot = take(open, deadline);
            if (slot == null) {
                releasePermit();
            }
            return slot;
        } catch (RelayException | RuntimeException e) {
            releasePermit();
            throw e;
        }
    }

    /**
     * Waits for this message's turn: returns the slot handed over with its envelope sent ahead on it, or null with a
     * permit taken. Claimed by a connection, it waits for that connection to hand itself over or give the turn back,
     * which it does as soon as its message is done.
     */
    private synchronized ConnectionSlot awaitTurn(Turn turn, Deadline deadline) throws RelayException {
        waiting.addLast(turn);
        try {
            while (turn.handed == null) {
                if (!turn.claimed && permits > 0) {
                    permits--;
                    return null;
                }
                long left = deadline.remainingMillis(); // read once: wait(0) would wait without end
                if (turn.claimed) {
                    wait();
                } else if (left > 0) {
                    wait(left);
                } else {
                    throw noneFreeInTime();
                }
            }
            return turn.handed;
        } catch (InterruptedException e) {
            turn.gone = true;
            if (turn.handed != null) {
                turn.handed.disconnect();
                giveBack(turn.handed, true);
                permits++;
            }
            throw interrupted();
        } finally {
            waiting.remove(turn);
        }
    }

    /**
     * Asked by a connection whose message's content is about to go: the first message waiting for a permit, when no
     * permit is free for it, so that its envelope goes in the same flight. One per message.
     */
    private synchronized PipeliningTransport.Envelope claimNext(Turn turn) {
        if (turn.following != null || permits > 0) {
            return null;
        }
        Turn next = waiting.pollFirst();
        if (next == null) {
            return null;
        }
        next.claimed = true;
        turn.following = next;
        return next.envelope;
    }

    /**
     * After a message: the slot goes to the message whose envelope went ahead on it, with the permit; otherwise back
     * to the free slots (a refused one last, so that the open connections, first in line, take the next messages),
     * and a message it claimed gets its turn back.
     */
    private void handOn(ConnectionSlot slot, boolean first, Turn turn) {
        Turn following = turn == null ? null : turn.following;
        PipeliningTransport.Envelope pending = slot.sentAhead();
        boolean carried = following != null && pending == following.envelope;
        synchronized (this) {
            if (following != null) {
                turn.following = null;
                following.claimed = false;
                if (carried && !following.gone) {
                    following.handed = slot;
                    notifyAll();
                    return;
                }
                if (!following.gone) {
                    waiting.addFirst(following);
                }
            }
        }
        if (pending != null) {
            // an envelope no message will read (its message gone, or handed this slot and failed before reading its
            // replies, out of time): those replies would answer the next message's commands. Outside the monitor: it
            // writes QUIT
            slot.disconnect();
        }
        synchronized (this) {
            giveBack(slot, first);
            permits++;
            notifyAll();
        }
    }

    /** One message's turn at a connection. */
    private static final class Turn {
        final PipeliningTransport.Envelope envelope;
        /** Whether a connection sent or will send this envelope ahead: it hands itself over or gives the turn back. */
        boolean claimed;
        /** The slot handed over with this envelope sent on it. */
        ConnectionSlot handed;
        /** The message this one's content took along. */
        Turn following;
        /** Whether the message stopped waiting (interrupted) while claimed. */
        boolean gone;

        Turn(PipeliningTransport.Envelope envelope) {
            this.envelope = envelope;
        }
    }

    /**
     * Whether the connection was one too many for the relay the failure names: it said so (432, on any connection),
     * or it refused a new connection while it is up (a limit of connections per client).
     */
    private boolean oneTooMany(RelayException e, boolean opens) {
        return e.tooManyConnections()
                || opens && answered.refusedWhileUp(e.relay().orElse(""), e);
    }

    /** One connection fewer for a while, unless only one is in use. */
    private boolean useOneFewer(RelayException refusal) {
        int now;
        do {
            now = inUse.get();
            if (now <= 1) {
                return false;
            }
        } while (!inUse.compareAndSet(now, now - 1));
        synchronized (this) {
            permits--;
        }
        timer.schedule(
                () -> {
                    inUse.incrementAndGet();
                    releasePermit();
                },
                fewerFor.toMillis(),
                TimeUnit.MILLISECONDS);
        LOG.log(
                Level.WARNING,
                "the relay refused one more connection; this container uses fewer for a while. Set "
                        + "SMTP_CONNECTIONS (and the queue's MaximumConcurrency) to what the relay allows",
                LogFields.of()
                        .with("connections", now - 1)
                        .with("configured", all.length)
                        .with("forSeconds", fewerFor.toSeconds())
                        .with("detail", refusal.getMessage()));
        return true;
    }

    /** How many messages wait for a connection now. */
    synchronized int waiting() {
        return waiting.size();
    }

    /** How many connections the container uses now: fewer than configured for a while after a refusal. */
    int connectionsInUse() {
        return inUse.get();
    }

    /** Takes a permit, waiting for one until the deadline. */
    private synchronized void acquire(Deadline deadline) throws RelayException {
        try {
            while (permits <= 0) {
                long left = deadline.remainingMillis(); // read once: wait(0) would wait without end
                if (left <= 0) {
                    throw noneFreeInTime();
                }
                wait(left);
            }
            permits--;
        } catch (InterruptedException e) {
            throw interrupted();
        }
    }

    private synchronized void releasePermit() {
        permits++;
        notifyAll();
    }

    private static RelayException noneFreeInTime() {
        return new RelayException(
                RelayException.Kind.DEADLINE, "no relay connection became free in this invocation's time");
    }

    private static RelayException interrupted() {
        Thread.currentThread().interrupt();
        return new RelayException(RelayException.Kind.DEADLINE, "interrupted while waiting for a relay connection");
    }

    /** What to do with a connection. */
    @FunctionalInterface
    private interface Use {
        void on(SmtpConnection connection) throws RelayException;
    }

    /**
     * Takes a free slot, the most recently used first; with {@code open}, only one holding an open connection. Waits
     * for one to be given back, until the deadline ({@code null}: as long as it takes). A wait for an open one ends
     * early, with {@code null}, when no slot holds an open connection and none is in use that could still give one
     * back.
     */
    private synchronized ConnectionSlot take(boolean open, Deadline deadline) throws RelayException {
        try {
            while (true) {
                for (Iterator<ConnectionSlot> slots = free.iterator(); slots.hasNext(); ) {
                    ConnectionSlot slot = slots.next();
                    if (!open || slot.open()) {
                        slots.remove();
                        return slot;
                    }
                }
                if (open && free.size() == all.length) {
                    return null;
                }
                if (deadline == null) {
                    wait();
                    continue;
                }
                long left = deadline.remainingMillis(); // read once: wait(0) would wait without end
                if (left <= 0) {
                    throw noneFreeInTime();
                }
                wait(left);
            }
        } catch (InterruptedException e) {
            throw interrupted();
        }
    }

    /** Gives a slot back: first in line, or last (one the relay refused to connect). */
    private synchronized void giveBack(ConnectionSlot slot, boolean first) {
        if (first) {
            free.addFirst(slot);
        } else {
            free.addLast(slot);
        }
        notifyAll();
    }

    /**
     * Closes every open connection, waiting for sends in progress to finish; the relay stays usable and reconnects
     * when it next sends.
     */
    public void disconnect() {
        List<ConnectionSlot> taken = new ArrayList<>(all.length);
        try {
            for (int i = 0; i < all.length; i++) {
                taken.add(take(false, null));
            }
        } catch (RelayException interrupted) {
            // interrupted while waiting: close what was taken
        } finally {
            taken.forEach(ConnectionSlot::disconnect);
            taken.forEach(slot -> giveBack(slot, true));
        }
    }

    @Override
    public void close() {
        disconnect();
        timer.shutdownNow();
    }
}
