package dev.relaymail.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.subethamail.smtp.AuthenticationHandler;
import org.subethamail.smtp.AuthenticationHandlerFactory;
import org.subethamail.smtp.MessageContext;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.RejectException;
import org.subethamail.smtp.auth.EasyAuthenticationHandlerFactory;
import org.subethamail.smtp.auth.LoginFailedException;
import org.subethamail.smtp.server.SMTPServer;
import org.subethamail.smtp.server.SessionHandler;

/**
 * A real SMTP server in the test process (subethasmtp): STARTTLS required and AUTH required by default, with the
 * test certificates. Records every message as received, the AUTH attempts, and can refuse chosen recipients.
 */
public final class TestRelay implements AutoCloseable {

    /** Which certificate the relay presents. The tests' JVM trusts the test CA only. */
    public enum Certificate {
        TRUSTED("relay.p12"),
        UNTRUSTED_CA("untrusted.p12"),
        WRONG_HOST("wrong-host.p12"),
        EXPIRED("expired.p12");

        private final String file;

        Certificate(String file) {
            this.file = file;
        }
    }

    /** The two ways a relay holds a client to fewer connections than it opens. */
    public enum Limit {
        /** 421 at the greeting of one connection too many ({@link #limitConnections}), as Postfix does. */
        CONNECTIONS,
        /** 432 to a message on one connection more than may send at once ({@link #limitSending}), as Exchange does. */
        SENDING
    }

    /** One message as the relay received it. */
    public record Received(String envelopeFrom, List<String> recipients, byte[] data, Optional<String> user) {}

    private final SMTPServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Map<String, Integer> refusals = new ConcurrentHashMap<>();
    private final AtomicInteger authAttempts = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();
    private final Set<org.subethamail.smtp.server.Session> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger mostOpen = new AtomicInteger();
    private final AtomicInteger refusedConnections = new AtomicInteger();
    private volatile int connectionLimit = Integer.MAX_VALUE;
    /** The connections that have sent and may go on sending (by session id), at most {@link #sendingLimit}. */
    private final Set<String> sending = new HashSet<>();

    private int sendingLimit = Integer.MAX_VALUE;
    private final AtomicInteger refusedSends = new AtomicInteger();
    private final AtomicInteger tlsHandshakes = new AtomicInteger();
    private volatile String username = "relay-user";
    private volatile String password = "relay-password";

    private enum Tls {
        STARTTLS,
        NONE,
        IMPLICIT
    }

    private TestRelay(Tls tls, Certificate certificate, String... protocols) {
        this(tls, Optional.empty(), certificate, protocols);
    }

    /** @param xoauth2 the tokens to accept with {@code AUTH XOAUTH2}, which is then the only mechanism offered */
    private TestRelay(Tls tls, Optional<Predicate<String>> xoauth2, Certificate certificate, String... protocols) {
        SMTPServer.Builder builder = SMTPServer.port(0)
                .bindAddress(InetAddress.getLoopbackAddress())
                .hostName("localhost")
                .messageHandlerFactory(Session::new)
                .authenticationHandlerFactory(xoauth2.<AuthenticationHandlerFactory>map(Xoauth2::new)
                        .orElseGet(() -> new EasyAuthenticationHandlerFactory(this::login)))
                .requireAuth()
                .insertReceivedHeaders(false)
                .sessionHandler(new Connections());
        if (tls == Tls.STARTTLS) {
            SSLContext context = sslContext(certificate);
            builder.enableTLS().requireTLS().startTlsSocketFactory(socket -> {
                SSLSocket s = (SSLSocket) context.getSocketFactory()
                        .createSocket(socket, socket.getInetAddress().getHostAddress(), socket.getPort(), true);
                s.setUseClientMode(false);
                s.setEnabledProtocols(protocols.length > 0 ? protocols : s.getSupportedProtocols());
                s.addHandshakeCompletedListener(done -> tlsHandshakes.incrementAndGet());
                return s;
            });
        } else if (tls == Tls.IMPLICIT) {
            builder.serverSocketFactory(sslContext(certificate));
        }
        server = builder.build();
        server.start();
    }

    /** A relay that requires STARTTLS and AUTH, presenting the given certificate. */
    public static TestRelay start(Certificate certificate) {
        return new TestRelay(Tls.STARTTLS, certificate);
    }

    /** A relay that requires STARTTLS and AUTH, with the trusted certificate, speaking only these TLS versions. */
    public static TestRelay withTlsVersions(String... protocols) {
        return new TestRelay(Tls.STARTTLS, Certificate.TRUSTED, protocols);
    }

    /** A relay that requires STARTTLS and AUTH with the trusted certificate. */
    public static TestRelay start() {
        return start(Certificate.TRUSTED);
    }

    /**
     * A relay that requires STARTTLS and takes only {@code AUTH XOAUTH2}, as Exchange Online does with Basic auth off:
     * from any user, with a bearer token {@code validToken} accepts.
     */
    public static TestRelay withXoauth2(Predicate<String> validToken) {
        return new TestRelay(Tls.STARTTLS, Optional.of(validToken), Certificate.TRUSTED);
    }

    /** A relay that offers no STARTTLS at all (but would take AUTH and mail in plaintext). */
    public static TestRelay withoutStartTls() {
        return new TestRelay(Tls.NONE, Certificate.TRUSTED);
    }

    /** A relay that speaks TLS from the first byte (SMTPS, as on port 465), with AUTH required. */
    public static TestRelay implicitTls() {
        return new TestRelay(Tls.IMPLICIT, Certificate.TRUSTED);
    }

    public int port() {
        return server.getPortAllocated();
    }

    public String username() {
        return username;
    }

    public String password() {
        return password;
    }

    /** From now on only this password is accepted (the secret was rotated at the relay). */
    public void acceptOnly(String newPassword) {
        password = newPassword;
    }

    /** Answers RCPT TO for this address with the given code. */
    public void refuse(String address, int code) {
        refusals.put(address.toLowerCase(java.util.Locale.ROOT), code);
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    public int authAttempts() {
        return authAttempts.get();
    }

    /** How many STARTTLS handshakes were completed. */
    public int tlsHandshakes() {
        return tlsHandshakes.get();
    }

    /** How many connections clients opened. */
    public int connections() {
        return connections.get();
    }

    /** Accepts at most this many connections at once; more are refused with 421 at the greeting. */
    public void limitConnections(int limit) {
        connectionLimit = limit;
    }

    /**
     * Lets at most this many connections send at once, as Exchange Online lets 3 per mailbox: a message on one more
     * gets {@code 432 4.3.2} at the end of its data, and its connection stays open. A connection that has sent keeps
     * its place until it closes.
     */
    public synchronized void limitSending(int limit) {
        sendingLimit = limit;
    }

    /** How many messages were refused for the limit of {@link #limitSending}. */
    public int refusedSends() {
        return refusedSends.get();
    }

    private synchronized boolean maySend(String session) {
        if (sending.contains(session) || sending.size() < sendingLimit) {
            sending.add(session);
            return true;
        }
        refusedSends.incrementAndGet();
        return false;
    }

    private synchronized void ended(String session) {
        sending.remove(session);
    }

    /** Sets this kind of limit: {@link #limitConnections} or {@link #limitSending}. */
    public void limit(Limit kind, int limit) {
        switch (kind) {
            case CONNECTIONS -> limitConnections(limit);
            case SENDING -> limitSending(limit);
        }
    }

    /** How many connections or messages were refused for this kind of limit. */
    public int refusals(Limit kind) {
        return switch (kind) {
            case CONNECTIONS -> refusedConnections();
            case SENDING -> refusedSends();
        };
    }

    /** The most connections that were open at once. */
    public int mostOpenAtOnce() {
        return mostOpen.get();
    }

    /** How many connections were refused for the limit. */
    public int refusedConnections() {
        return refusedConnections.get();
    }

    private void login(String user, String pass, MessageContext context) throws LoginFailedException {
        authAttempts.incrementAndGet();
        if (!username.equals(user) || !password.equals(pass)) {
            throw new LoginFailedException();
        }
    }

    /** A server-side TLS context presenting the given test certificate. */
    public static SSLContext sslContext(Certificate certificate) {
        try (InputStream in = TestRelay.class.getResourceAsStream("/tls/" + certificate.file)) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(in, "changeit".toCharArray());
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, "changeit".toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("loading test certificate " + certificate.file, e);
        }
    }

    @Override
    public void close() {
        server.stop();
    }

    /** {@code AUTH XOAUTH2 <base64 of user=…^Aauth=Bearer …^A^A>} in the initial response, as the function sends it. */
    private final class Xoauth2 implements AuthenticationHandlerFactory {
        private static final Pattern RESPONSE =
                Pattern.compile("user=([^\u0001]+)\u0001auth=Bearer ([^\u0001]+)\u0001\u0001");
        private final Predicate<String> validToken;

        Xoauth2(Predicate<String> validToken) {
            this.validToken = validToken;
        }

        @Override
        public List<String> getAuthenticationMechanisms() {
            return List.of("XOAUTH2");
        }

        @Override
        public AuthenticationHandler create() {
            return new AuthenticationHandler() {
                private String user;

                @Override
                public Optional<String> auth(String line, MessageContext context) throws RejectException {
                    authAttempts.incrementAndGet();
                    String[] words = line.strip().split(" ");
                    if (words.length != 3 || !words[1].equalsIgnoreCase("XOAUTH2")) {
                        throw new RejectException(504, "5.7.4 Unrecognized authentication type");
                    }
                    Matcher response;
                    try {
                        response = RESPONSE.matcher(
                                new String(Base64.getDecoder().decode(words[2]), StandardCharsets.UTF_8));
                    } catch (IllegalArgumentException e) {
                        throw new RejectException(501, "5.5.2 Not base64");
                    }
                    if (!response.matches() || !validToken.test(response.group(2))) {
                        throw new RejectException(535, "5.7.3 Authentication unsuccessful");
                    }
                    user = response.group(1);
                    return Optional.empty();
                }

                @Override
                public Object getIdentity() {
                    return user;
                }
            };
        }
    }

    /** Counts connections, and refuses those over the limit with 421 at the greeting, as relays do. */
    private final class Connections implements SessionHandler {
        @Override
        public synchronized SessionAcceptance accept(org.subethamail.smtp.server.Session session) {
            if (open.size() >= connectionLimit) {
                refusedConnections.incrementAndGet();
                return SessionAcceptance.failure(421, "4.7.0 Error: too many connections from this client");
            }
            connections.incrementAndGet();
            open.add(session);
            mostOpen.accumulateAndGet(open.size(), Math::max);
            return SessionAcceptance.success();
        }

        @Override
        public synchronized void onSessionEnd(org.subethamail.smtp.server.Session session) {
            open.remove(session);
            ended(session.getSessionId());
        }
    }

    /** One SMTP transaction. */
    private final class Session implements MessageHandler {
        private final MessageContext context;
        private final List<String> recipients = new CopyOnWriteArrayList<>();
        private String from;

        Session(MessageContext context) {
            this.context = context;
        }

        @Override
        public void from(String address) {
            from = address;
        }

        @Override
        public void recipient(String address) throws RejectException {
            Integer code = refusals.get(address.toLowerCase(java.util.Locale.ROOT));
            if (code != null) {
                throw new RejectException(code, (code >= 500 ? "5.1.1" : "4.2.0") + " <" + address + ">: refused");
            }
            recipients.add(address);
        }

        @Override
        public String data(InputStream data) throws RejectException, IOException {
            byte[] content = data.readAllBytes();
            if (!maySend(context.getSessionId())) {
                throw new RejectException(432, "4.3.2 Concurrent connections limit exceeded.");
            }
            Optional<String> user = context.getAuthenticationHandler().map(h -> String.valueOf(h.getIdentity()));
            received.add(new Received(from, List.copyOf(recipients), content, user));
            return null;
        }

        @Override
        public void done() {}
    }
}
