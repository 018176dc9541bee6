package dev.relaymail.relay;

import dev.relaymail.core.Deadline;
import dev.relaymail.core.RelayException;
import dev.relaymail.logging.LogFields;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Which relay a message goes to, and when it moves on to the next. The relays are tried in order of preference; the
 * one that last took a message is tried first from then on (a container sticks with it and keeps its connections),
 * until {@code returnAfter} has passed since the container moved to it: then the first relay gets the next message
 * again, so a recovered primary is used again.
 *
 * <p>A message moves on only when the relay cannot have it: it could not be reached or talked to, its TLS or
 * credentials were refused (a setup problem of that relay), or it answered 421 (closing). A 5xx refusal stays (every
 * relay would refuse it), as does any other 4xx (the relay asks this sender to retry later), an unknown outcome (the
 * relay may have the message: sending it elsewhere could deliver it twice) and a passed deadline. No further relay is
 * tried when too little of the invocation's time is left.
 */
final class Failover {
    /** How long a container stays with a relay it moved to before it tries the first relay again. */
    static final Duration RETURN_AFTER = Duration.ofSeconds(60);

    private static final Logger LOG = Logger.getLogger(SmtpRelay.class.getName());

    /** One try of one relay. */
    @FunctionalInterface
    interface Attempt {
        void run(RelayAddress relay) throws RelayException;
    }

    private final List<RelayAddress> relays;
    private final Duration returnAfter;
    private final LongSupplier nanoTime;
    private int inUse;
    private long inUseSince;

    Failover(List<RelayAddress> relays, Duration returnAfter, LongSupplier nanoTime) {
        this.relays = List.copyOf(relays);
        this.returnAfter = returnAfter;
        this.nanoTime = nanoTime;
    }

    /**
     * Runs the attempt on one relay after the other until one succeeds. A failure at the relay in use (the first
     * tried) that the caller takes for one connection too many ({@code oneTooMany}, given the failure naming its
     * relay) ends it there: that relay is up and has the message's answer, no other relay is asked.
     *
     * @return the relay it succeeded on
     * @throws RelayException the failure that ended it, naming its relay; when every relay failed (or no time was
     *                        left for the rest), the last relay's failure, saying how many relays were tried
     */
    RelayAddress run(Attempt attempt, Predicate<RelayException> oneTooMany, Deadline deadline) throws RelayException {
        List<RelayAddress> order = order();
        RelayException last = null;
        int tried = 0;
        for (RelayAddress relay : order) {
            if (last != null && !deadline.allows(SmtpConnection.MIN_TIME)) {
                break;
            }
            tried++;
            try {
                attempt.run(relay);
                use(relay);
                return relay;
            } catch (RelayException e) {
                last = e.atRelay(relay.toString());
                if (!movesOn(e) || tried == 1 && oneTooMany.test(last)) {
                    throw last;
                }
                if (tried < order.size()) {
                    LOG.log(
                            Level.WARNING,
                            "relay failed; the message moves on to the next one",
                            LogFields.of()
                                    .with("relay", relay.toString())
                                    .with("next", order.get(tried).toString())
                                    .with("error", e.code())
                                    .with("detail", e.getMessage()));
                }
            }
        }
        throw exhausted(last, tried);
    }

    /** Whether a message that met this failure may go to another relay: nothing can have been accepted. */
    static boolean movesOn(RelayException e) {
        return switch (e.kind()) {
            case CONNECTION, TLS, AUTHENTICATION -> true;
            case TRANSIENT_REPLY -> e.smtpCode().orElse(0) == 421;
            case PERMANENT_REPLY, UNKNOWN_OUTCOME, DEADLINE, CREDENTIALS -> false;
        };
    }

    /** The relays in the order to try them now: the one in use first, then the others in order of preference. */
    synchronized List<RelayAddress> order() {
        if (inUse != 0 && nanoTime.getAsLong() - inUseSince >= returnAfter.toNanos()) {
            LOG.log(Level.INFO, "trying the first relay {0} again after {1} s with {2}", new Object[] {
                relays.get(0), returnAfter.toSeconds(), relays.get(inUse)
            });
            inUse = 0;
        }
        List<RelayAddress> order = new ArrayList<>(relays);
        order.add(0, order.remove(inUse));
        return order;
    }

    private synchronized void use(RelayAddress relay) {
        int index = relays.indexOf(relay);
        if (index != inUse) {
            LOG.log(Level.WARNING, "relay {0} now takes this container''s messages instead of {1}", new Object[] {
                relay, relays.get(inUse)
            });
            inUse = index;
            inUseSince = nanoTime.getAsLong();
        }
    }

    private RelayException exhausted(RelayException last, int tried) {
        if (relays.size() == 1) {
            return last;
        }
        String what = tried == relays.size()
                ? "all " + tried + " relays were tried and failed"
                : tried + " of " + relays.size() + " relays were tried before the invocation ran out of time";
        RelayException all = new RelayException(
                last.kind(), last.smtpCode().orElse(0), what + "; the last one: " + last.getMessage());
        return (last.throttled() ? all.throttling() : all).atRelay(last.relay().orElseThrow());
    }
}
