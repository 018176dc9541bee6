package dev.relaymail.secrets;

import dev.relaymail.core.Deadline;
import dev.relaymail.core.RelayException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.SSLHandshakeException;

/**
 * An OAuth2 token request ({@link TokenGrant}: client credentials, or a service account's signed JWT) over the JDK's
 * {@link HttpURLConnection}, which the AWS SDK's client here already loads: one form POST, one JSON answer. Both
 * socket timeouts are always set, the function waits for the whole request a bounded time too (never past the
 * invocation's deadline; the exchange, on a thread of its own, may outlive that wait by a socket timeout at most),
 * redirects are not followed (the credentials go to the configured endpoint only) and the answer is read up to a
 * limit. A failure is a transient {@code CREDENTIALS} failure saying what the endpoint did, never showing a client
 * secret, an assertion or a token.
 */
final class TokenEndpoint {
    private static final Logger LOG = Logger.getLogger(TokenEndpoint.class.getName());
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    static final Duration READ_TIMEOUT = Duration.ofSeconds(5);
    /** The longest a whole token request may take, however slowly the endpoint answers. */
    static final Duration TOTAL_TIMEOUT = CONNECT_TIMEOUT.plus(READ_TIMEOUT);
    private static final int MAX_ANSWER_BYTES = 64 * 1024;

    private final Clock clock;

    TokenEndpoint(Clock clock) {
        this.clock = clock;
    }

    /**
     * Asks for a token, waiting at most {@link #TOTAL_TIMEOUT} and never past {@code deadline}. The exchange runs on a
     * thread of its own, since only no longer waiting for it ends it on time: a socket timeout bounds each read, not
     * an answer that trickles in, and {@code disconnect()} from another thread waits for a read in progress. Once
     * abandoned, the exchange ends at the next byte or at its socket timeout.
     */
    AccessToken request(OAuth2Client client, Deadline deadline) throws RelayException {
        String where = "the OAuth2 token endpoint " + client.tokenEndpoint().getHost();
        int budget = deadline.cap((int) TOTAL_TIMEOUT.toMillis());
        if (budget < SecretsManagerCredentials.MIN_TIME.toMillis()) {
            throw new RelayException(RelayException.Kind.DEADLINE,
                    "not enough time left in this invocation to ask " + where + " for a token");
        }
        Exchange exchange = new Exchange(client, where, budget);
        Future<byte[]> exchanged = OnFirstUse.EXCHANGES.submit(exchange);
        byte[] answer;
        try {
            answer = exchanged.get(deadline.cap(budget), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            exchange.abandon();
            throw failure(where + " did not answer within " + budget + " ms");
        } catch (InterruptedException e) {
            exchange.abandon();
            Thread.currentThread().interrupt();
            throw failure("the request to " + where + " was interrupted");
        } catch (ExecutionException e) {
            // the exchange's own failure, or a bug, as if it had been thrown here
            if (e.getCause() instanceof RelayException failure) {
                throw failure;
            }
            if (e.getCause() instanceof RuntimeException unchecked) {
                throw unchecked;
            }
            throw (Error) e.getCause();
        }
        try {
            Instant now = clock.instant();
            AccessToken token = AccessToken.fromAnswer(SecretFormat.JSON.readTree(answer), now);
            LOG.log(Level.INFO, "got an OAuth2 access token from {0} for client {1}, valid for {2} s",
                    new Object[] {client.tokenEndpoint().getHost(), client.grant().client(),
                            Long.toString(Duration.between(now, token.expiresAt()).toSeconds())});
            return token;
        } catch (IOException e) {
            throw failure(where + " answered with something that is not JSON");
        } catch (IllegalArgumentException e) {
            throw failure(where + " answered without a usable token: " + e.getMessage());
        }
    }

    /** One form POST and its answer's body, or a failure saying what the endpoint did. */
    private final class Exchange implements Callable<byte[]> {
        private final OAuth2Client client;
        private final String where;
        private final int budget;
        private final AtomicBoolean abandoned = new AtomicBoolean();
        private final AtomicBoolean closed = new AtomicBoolean();
        private volatile HttpURLConnection connection;

        Exchange(OAuth2Client client, String where, int budget) {
            this.client = client;
            this.where = where;
            this.budget = budget;
        }

        @Override
        public byte[] call() throws RelayException {
            HttpURLConnection http = null;
            try {
                http = (HttpURLConnection) client.tokenEndpoint().toURL().openConnection();
                connection = http;
                byte[] form = form(client.grant().form(client, clock.instant()));
                http.setConnectTimeout(Math.min(budget, (int) CONNECT_TIMEOUT.toMillis()));
                http.setReadTimeout(Math.min(budget, (int) READ_TIMEOUT.toMillis()));
                http.setInstanceFollowRedirects(false);
                http.setUseCaches(false);
                http.setRequestMethod("POST");
                http.setRequestProperty("Content-Type", "application/x-www-form-urlencoded");
                http.setRequestProperty("Accept", "application/json");
                http.setDoOutput(true);
                try (OutputStream out = http.getOutputStream()) {
                    out.write(form);
                }
                // the form is buffered until here; a caller that stopped waiting meanwhile gets no token issued
                if (abandoned.get()) {
                    throw new IOException("abandoned before it was sent");
                }
                int status = http.getResponseCode();
                byte[] answer = read(status < 400 ? http.getInputStream() : http.getErrorStream());
                if (status != 200) {
                    throw failure(where + " answered HTTP " + status + oauthError(answer));
                }
                return answer;
            } catch (IllegalStateException e) {
                throw failure("the request to " + where + " could not be made: " + e.getMessage());
            } catch (IOException e) {
                // once abandoned, what this throws goes to nobody: the caller has reported the deadline already
                if (e instanceof SSLHandshakeException) {
                    throw failure("the TLS handshake with " + where + " failed, so nothing was sent (its certificate "
                            + "must be valid, for that host name and trusted by the JVM's trust store): "
                            + e.getMessage());
                }
                throw failure(where + " could not be reached: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            } finally {
                if (http != null) {
                    close(http);
                }
            }
        }

        /**
         * The caller stopped waiting: an answer still coming in is read no further, and the connection is closed on
         * another thread, since {@code disconnect()} waits for a read in progress to return.
         */
        void abandon() {
            abandoned.set(true);
            HttpURLConnection http = connection;
            if (http != null) {
                OnFirstUse.EXCHANGES.execute(() -> {
                    try {
                        close(http);
                    } catch (RuntimeException e) {
                        // its stream closed meanwhile by the exchange's own thread: nothing is left to close
                    }
                });
            }
        }

        /**
         * The answer, up to a limit, and nothing more once it is abandoned: {@code disconnect()} alone does not stop
         * an answer that trickles in, each byte within the read timeout (it waits for the stream's lock, which a read
         * takes again after every byte, and may hand the rest to the JDK's keep-alive cleaner rather than close the
         * socket).
         */
        private byte[] read(InputStream in) throws IOException, RelayException {
            if (in == null) {
                return new byte[0];
            }
            try (in) {
                ByteArrayOutputStream answer = new ByteArrayOutputStream();
                byte[] buffer = new byte[8192];
                while (true) {
                    if (abandoned.get()) {
                        throw new IOException("abandoned while the answer was coming in");
                    }
                    int n = in.read(buffer);
                    if (n == -1) {
                        return answer.toByteArray();
                    }
                    answer.write(buffer, 0, n);
                    if (answer.size() > MAX_ANSWER_BYTES) {
                        throw failure(where + " answered with more than " + MAX_ANSWER_BYTES + " bytes");
                    }
                }
            }
        }

        /** Once, by whichever thread comes first: {@code HttpURLConnection} is not made for two. */
        private void close(HttpURLConnection http) {
            if (closed.compareAndSet(false, true)) {
                http.disconnect();
            }
        }
    }

    private static byte[] form(Map<String, String> fields) {
        StringJoiner form = new StringJoiner("&");
        fields.forEach((name, value) -> form.add(URLEncoder.encode(name, StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(value, StandardCharsets.UTF_8)));
        return form.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** The RFC 6749 {@code error} code of an error answer, when it is one; its description is never repeated. */
    private static String oauthError(byte[] answer) {
        try {
            String error = SecretFormat.JSON.readTree(answer).path("error").asText("");
            return error.matches("[A-Za-z0-9_.-]{1,64}") ? " (" + error + ")" : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static RelayException failure(String detail) {
        return new RelayException(RelayException.Kind.CREDENTIALS, detail);
    }

    /**
     * Made on the first token request, not when the class loads: the class loads while a cold start wires the
     * function, before the secret's read begins, and a password secret never needs it.
     */
    private static final class OnFirstUse {
        /** Runs the exchanges, so that the caller can stop waiting at its deadline whatever the socket does. */
        static final ExecutorService EXCHANGES = Executors.newCachedThreadPool(r -> {
            Thread thread = new Thread(r, "token-request");
            thread.setDaemon(true);
            return thread;
        });
    }
}
