package dev.relaymail;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.relaymail.core.Deadline;
import dev.relaymail.core.MailException;
import dev.relaymail.core.RelayException;
import dev.relaymail.json.JsonTrees;
import dev.relaymail.mime.MessageIds;
import dev.relaymail.mime.MimeComposer;
import dev.relaymail.relay.SmtpRelay;
import dev.relaymail.request.RequestReader;
import dev.relaymail.secrets.CredentialsSource;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;
import org.crac.Context;
import org.crac.Resource;

/**
 * What a container does before its first message, so that the first message does not pay for it.
 *
 * <ul>
 *   <li>{@link #prime()}: loads and runs the code the first send needs (JSON, validation, MIME composition, TLS
 *       set-up), on a built-in sample, without network and without secrets.</li>
 *   <li>{@link Early#start}: from the moment the configuration is read, reads the secret and opens the first relay
 *       connection (TCP, TLS) on other threads, and logs in on it (AUTH) once both are done; {@link #warmUp(Early)}
 *       primes meanwhile, then waits for them: the secret's read, the TLS handshake and the rest overlap.</li>
 *   <li>SnapStart: before the snapshot the relay connections are closed and the credentials forgotten (none may be
 *       in a snapshot); after a restore the random source of Message-IDs is renewed, since every container restored
 *       from one snapshot would otherwise share it, and the secret and the first connection are started on as at a
 *       cold start, without waiting for them.</li>
 * </ul>
 */
final class Startup implements Resource {
    private static final Logger LOG = Logger.getLogger(Startup.class.getName());
    /** How long a cold start may spend opening the first connection before it goes on without. */
    static final Duration PREPARE_TIMEOUT = Duration.ofSeconds(3);

    private static final byte[] SAMPLE = ("{\"from\": \"Start <start@relaymail.invalid>\", "
                    + "\"to\": [\"Übung <a@relaymail.invalid>\", \"b@relaymail.invalid\"], \"subject\": \"Grüße – Start\", "
                    + "\"text\": \"Grüße\\n.\\n\", \"html\": \"<p>Grüße <img src=cid:i></p>\", \"attachments\": ["
                    + "{\"filename\": \"a.pdf\", \"content\": \"JVBERi0=\"},"
                    + "{\"filename\": \"i.png\", \"content\": \"iVBORw0=\", \"contentId\": \"i\"}],"
                    + "\"headers\": {\"X-Start\": \"1\"}, \"tags\": {\"t\": \"1\"}, \"idempotencyKey\": \"start\"}")
            .getBytes(StandardCharsets.UTF_8);

    private final RequestReader reader;
    private final MimeComposer composer;
    private final MessageIds messageIds;
    private final SmtpRelay relay;
    private final CredentialsSource credentials;

    Startup(
            RequestReader reader,
            MimeComposer composer,
            MessageIds messageIds,
            SmtpRelay relay,
            CredentialsSource credentials) {
        this.reader = reader;
        this.composer = composer;
        this.messageIds = messageIds;
        this.relay = relay;
        this.credentials = credentials;
    }

    /** Runs the first send's code on the sample: no network, no secret, nothing sent. */
    void prime() {
        try {
            String messageId =
                    composer.compose(reader.read(SAMPLE, Optional.of("start"))).messageId();
            JsonTrees.read(JsonTrees.bytes(JsonNodeFactory.instance.objectNode().put("messageId", messageId)));
            SSLContext.getDefault().getSocketFactory();
        } catch (MailException | java.io.IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("priming failed", e);
        }
    }

    /**
     * Primes, while {@code early} (the secret's read and the first relay connection, started at the beginning) goes on
     * on other threads, and waits for it within {@link #PREPARE_TIMEOUT}. A connection that cannot be opened now is
     * not an error yet: the first message tries again and reports what fails.
     */
    void warmUp(Early early) {
        prime();
        try {
            early.task.get(PREPARE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.info("the first relay connection is still opening; the first message will wait for it");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            LOG.log(Level.SEVERE, "opening the first relay connection failed unexpectedly", e.getCause());
        }
    }

    /**
     * Opens the first relay connection (TCP, TLS), and logs in on it when asked to; a failure now is left for the
     * first message to meet again and report.
     */
    private static void startRelay(SmtpRelay relay, boolean logIn) {
        try {
            Deadline deadline = Deadline.in(PREPARE_TIMEOUT);
            if (logIn) {
                relay.prepare(deadline);
            } else {
                relay.openAhead(deadline);
            }
        } catch (RelayException e) {
            LOG.log(
                    Level.INFO,
                    "could not open a relay connection at start ({0}); the first message will try again",
                    e.getMessage());
        }
    }

    /** Work started on daemon threads at the very beginning of a cold start, or none. */
    static final class Early {
        private final CompletableFuture<Void> task;

        private Early(CompletableFuture<Void> task) {
            this.task = task;
        }

        static Early none() {
            return new Early(CompletableFuture.completedFuture(null));
        }

        /**
         * Starts, each on a daemon thread, reading the relay's credentials and opening the first relay connection
         * (TCP, TLS), and logs in on that connection once both are done, all within {@link #PREPARE_TIMEOUT}; a
         * failure is left for the first message to meet again.
         */
        static Early start(CredentialsSource credentials, SmtpRelay relay) {
            CompletableFuture<Void> secret = CompletableFuture.runAsync(
                    () -> {
                        try {
                            credentials.current(Deadline.in(PREPARE_TIMEOUT));
                        } catch (RelayException e) {
                            LOG.log(Level.INFO, "could not read the relay credentials at start ({0})", e.getMessage());
                        }
                    },
                    Startup::runOnDaemon);
            CompletableFuture<Void> opened =
                    CompletableFuture.runAsync(() -> startRelay(relay, false), Startup::runOnDaemon);
            return new Early(secret.runAfterBothAsync(opened, () -> startRelay(relay, true), Startup::runOnDaemon));
        }
    }

    /**
     * Sets up the JVM's TLS (its default context, with the trust store read) on a daemon thread, so that the first
     * relay connection's handshake, started a little later, finds that done. A failure is left for the connection
     * to meet again and report.
     */
    static void setUpTls() {
        runOnDaemon(() -> {
            try {
                SSLContext.getDefault().getSocketFactory();
            } catch (NoSuchAlgorithmException e) {
                // the connection reports it
            }
        });
    }

    private static void runOnDaemon(Runnable runnable) {
        Thread thread = new Thread(runnable, "relay-start");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        relay.disconnect();
        credentials.forget();
    }

    /**
     * Renews the random source of Message-IDs, and starts reading the secret and opening the first connection on
     * other threads without waiting for them (a restore hook's time counts toward the restore): the first message
     * after the restore finds the connection open, or opening, as after a cold start.
     */
    @Override
    public void afterRestore(Context<? extends Resource> context) {
        messageIds.reseed();
        Early.start(credentials, relay);
    }
}
