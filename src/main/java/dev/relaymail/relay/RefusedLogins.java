package dev.relaymail.relay;

import dev.relaymail.core.RelayException;
import dev.relaymail.secrets.Credentials;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Logins a relay refused even after the secret was read again. The same credentials are not tried at that relay
 * again for {@link #WINDOW}: each message would otherwise cost the mailbox two more failed logins, and relays such as
 * Microsoft 365 and Gmail lock or throttle a mailbox after a run of them. Only a digest of the credentials is kept.
 * For an OAuth2 login the digest leaves the token out: a token fetched just after the refusal was refused too, so the
 * grant or the mailbox is at fault, and every new connection (or failover relay) would otherwise come with a new
 * token and be tried again.
 */
final class RefusedLogins {
    static final Duration WINDOW = Duration.ofSeconds(60);

    private final Map<RelayAddress, Refusal> refusals = new ConcurrentHashMap<>();
    private final LongSupplier nanoTime;

    RefusedLogins(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    private record Refusal(String digest, long atNanos) {}

    /** Notes that {@code relay} refused {@code login}, which the secret still holds. */
    void refused(RelayAddress relay, Credentials login) {
        refusals.put(relay, new Refusal(digest(login), nanoTime.getAsLong()));
    }

    /** Fails, without contacting the relay, when it refused these very credentials within the window. */
    void check(RelayAddress relay, Credentials login) throws RelayException {
        Refusal refusal = refusals.get(relay);
        if (refusal == null) {
            return;
        }
        long ago = nanoTime.getAsLong() - refusal.atNanos();
        if (ago >= WINDOW.toNanos()) {
            refusals.remove(relay, refusal);
        } else if (refusal.digest().equals(digest(login))) {
            throw new RelayException(
                    RelayException.Kind.AUTHENTICATION,
                    "the relay refused these credentials "
                            + Duration.ofNanos(ago).toSeconds()
                            + " s ago, after the secret was read again; they are not "
                            + "tried there again for " + WINDOW.toSeconds() + " s, so that the mailbox is not locked");
        }
    }

    private static String digest(Credentials login) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            String secret = login.kind() == Credentials.Kind.OAUTH2_TOKEN ? "" : login.password();
            sha256.update((login.kind() + "\0" + login.username() + "\0" + secret).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha256.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
