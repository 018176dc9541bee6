package dev.relaymail.http;

import dev.relaymail.aws.AwsJsonClient;
import dev.relaymail.core.Deadline;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.security.cert.CertificateException;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLHandshakeException;

/**
 * One POST over the JDK's {@link HttpURLConnection}, bounded in time and size: both socket timeouts are always set,
 * the caller waits for the whole exchange a bounded time too (the exchange runs on a thread of its own, since only no
 * longer waiting for it ends it on time: a socket timeout bounds each read, not an answer that trickles in, and
 * {@code disconnect()} from another thread waits for a read in progress), redirects are not followed (what is sent
 * goes to the given address only) and the answer is read up to a limit. Used for the few HTTP calls that must be
 * cheap to start: the function's own AWS calls ({@link AwsJsonClient}) and OAuth2 token requests.
 */
public final class HttpPost {
    /** How long each socket wait may take, and how large an answer may be. */
    public record Limits(int connectTimeoutMillis, int readTimeoutMillis, int maxAnswerBytes) {}

    /** An answer: its status and its body. */
    public record Answer(int status, byte[] body) {}

    /** The exchange failed before an answer came: worded for an operator, showing nothing that was sent. */
    public static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;
        private final boolean retryable;

        Failure(String detail, boolean retryable) {
            super(detail);
            this.retryable = retryable;
        }

        /** False when trying again cannot help: the thread was interrupted, or the answer is too large. */
        public boolean retryable() {
            return retryable;
        }
    }

    private HttpPost() {}

    /**
     * Posts {@code body} with {@code headers} to {@code url}, waiting at most {@code budgetMillis} and never past
     * {@code deadline}; each socket wait is bounded by the limits' timeouts (and the budget). {@code where} names the
     * peer in failures. Once abandoned, the exchange ends at the next byte or at its socket timeout.
     */
    public static Answer send(
            URL url,
            Map<String, String> headers,
            byte[] body,
            String where,
            Limits limits,
            int budgetMillis,
            Deadline deadline)
            throws Failure {
        Exchange exchange = new Exchange(
                url,
                headers,
                body,
                where,
                new Limits(
                        Math.min(budgetMillis, limits.connectTimeoutMillis()),
                        Math.min(budgetMillis, limits.readTimeoutMillis()),
                        limits.maxAnswerBytes()));
        Future<Answer> exchanged = OnFirstUse.EXCHANGES.submit(exchange);
        long waitMillis = deadline.cap(budgetMillis);
        long start = System.nanoTime();
        try {
            return exchanged.get(waitMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            exchange.abandon();
            throw notAnswered(where, budgetMillis);
        } catch (InterruptedException e) {
            exchange.abandon();
            Thread.currentThread().interrupt();
            throw new Failure("the request to " + where + " was interrupted", false);
        } catch (ExecutionException e) {
            // the exchange's own failure, or a bug, as if it had been thrown here; a transient failure found when the
            // wait was over (the socket's timeout, equal to the budget, and this thread woken late) is the wait's
            if (e.getCause() instanceof Failure failure) {
                boolean waitOver = System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(waitMillis);
                throw failure.retryable() && waitOver ? notAnswered(where, budgetMillis) : failure;
            }
            if (e.getCause() instanceof RuntimeException unchecked) {
                throw unchecked;
            }
            throw (Error) e.getCause();
        }
    }

    private static Failure notAnswered(String where, int budgetMillis) {
        return new Failure(where + " did not answer within " + budgetMillis + " ms", true);
    }

    /** One POST and its answer, or a failure saying what the peer did. */
    private static final class Exchange implements Callable<Answer> {
        private final URL url;
        private final Map<String, String> headers;
        private final byte[] body;
        private final String where;
        private final Limits limits;
        private final AtomicBoolean abandoned = new AtomicBoolean();
        private final AtomicBoolean closed = new AtomicBoolean();
        private volatile HttpURLConnection connection;

        Exchange(URL url, Map<String, String> headers, byte[] body, String where, Limits limits) {
            this.url = url;
            this.headers = headers;
            this.body = body;
            this.where = where;
            this.limits = limits;
        }

        @Override
        public Answer call() throws Failure {
            HttpURLConnection http = null;
            try {
                http = (HttpURLConnection) url.openConnection();
                connection = http;
                http.setConnectTimeout(limits.connectTimeoutMillis());
                http.setReadTimeout(limits.readTimeoutMillis());
                http.setInstanceFollowRedirects(false);
                http.setUseCaches(false);
                http.setRequestMethod("POST");
                headers.forEach(http::setRequestProperty);
                http.setDoOutput(true);
                try (OutputStream out = http.getOutputStream()) {
                    out.write(body);
                }
                // the body is buffered until here (not streamed, so that an error answer's body can be read); a caller
                // that stopped waiting meanwhile gets nothing sent on its behalf
                if (abandoned.get()) {
                    throw new IOException("abandoned before it was sent");
                }
                int status = http.getResponseCode();
                return new Answer(status, read(status < 400 ? http.getInputStream() : http.getErrorStream()));
            } catch (IOException e) {
                // once abandoned, what this throws goes to nobody: the caller has reported the deadline already
                if (e instanceof SSLHandshakeException) {
                    // a certificate refused now is refused on the next try too; a handshake cut off may pass then
                    throw new Failure(
                            "the TLS handshake with " + where + " failed, so nothing was sent (its "
                                    + "certificate must be valid, for that host name and trusted by the JVM's trust store): "
                                    + e.getMessage(),
                            !certificateRefused(e));
                }
                throw new Failure(
                        where + " could not be reached: " + e.getClass().getSimpleName() + ": " + e.getMessage(), true);
            } finally {
                if (http != null) {
                    close(http);
                }
            }
        }

        private static boolean certificateRefused(Throwable e) {
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (cause instanceof CertificateException) {
                    return true;
                }
            }
            return false;
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
        private byte[] read(InputStream in) throws IOException, Failure {
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
                    if (answer.size() > limits.maxAnswerBytes()) {
                        throw new Failure(
                                where + " answered with more than " + limits.maxAnswerBytes() + " bytes", false);
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

    /**
     * Made on the first request, not when the class loads: the class loads while a cold start wires the function,
     * and the pool's threads are needed only once something is sent.
     */
    private static final class OnFirstUse {
        /** Runs the exchanges, so that the caller can stop waiting at its deadline whatever the socket does. */
        static final ExecutorService EXCHANGES = Executors.newCachedThreadPool(r -> {
            Thread thread = new Thread(r, "http-post");
            thread.setDaemon(true);
            return thread;
        });
    }
}
