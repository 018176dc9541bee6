package dev.relaymail.core;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The relay did not accept the message. Carries what kind of failure it was and the SMTP reply code when the relay
 * gave one. Failures of the relay or of the setup (no STARTTLS, a refused certificate, rejected credentials) are
 * transient for the message: once an operator mends them, a retry succeeds.
 */
public final class RelayException extends MailException {
    private static final long serialVersionUID = 1L;

    public enum Kind {
        /** Could not connect, or the connection broke before the message was handed over. */
        CONNECTION(true, "relay_unreachable"),
        /** The relay offered no STARTTLS, or its certificate was refused. */
        TLS(true, "relay_tls_failed"),
        /** The relay rejected the credentials (after one re-read of the secret), or offered no AUTH. */
        AUTHENTICATION(true, "relay_auth_failed"),
        /** The credentials could not be read or are malformed. */
        CREDENTIALS(true, "credentials_unavailable"),
        /** A 4xx reply: the relay asks to try again later. */
        TRANSIENT_REPLY(true, "relay_deferred"),
        /** A 5xx reply: the relay refuses this message for good. */
        PERMANENT_REPLY(false, "relay_rejected"),
        /** The connection broke after the final dot and before the reply: the relay may or may not have the message. */
        UNKNOWN_OUTCOME(true, "relay_outcome_unknown"),
        /** Not enough of the invocation's time was left to finish the exchange. */
        DEADLINE(true, "deadline_exceeded");

        private final boolean retryable;
        private final String code;

        Kind(boolean retryable, String code) {
            this.retryable = retryable;
            this.code = code;
        }
    }

    /** The reply of {@link #tooManyConnections()}. */
    private static final int TOO_MANY_CONNECTIONS = 432;

    private final Kind kind;
    private final int smtpCode;
    private final String messageId;
    private final String relay;
    private final boolean throttled;

    public RelayException(Kind kind, int smtpCode, String detail) {
        this(kind, smtpCode, detail, null, null, false);
    }

    private RelayException(Kind kind, int smtpCode, String detail, String messageId, String relay, boolean throttled) {
        super(Objects.requireNonNull(detail, "detail"));
        this.kind = Objects.requireNonNull(kind, "kind");
        this.smtpCode = smtpCode;
        this.messageId = messageId;
        this.relay = relay;
        this.throttled = throttled;
    }

    public RelayException(Kind kind, String detail) {
        this(kind, 0, detail);
    }

    public Kind kind() {
        return kind;
    }

    /** The same failure, naming the {@code Message-ID} of the message it happened to (for the logs). */
    public RelayException forMessage(String id) {
        return new RelayException(kind, smtpCode, getMessage(), id, relay, throttled);
    }

    /** The same failure, naming the relay ({@code host:port}) it happened at (for the logs). */
    public RelayException atRelay(String name) {
        return new RelayException(
                kind, smtpCode, getMessage(), messageId, Objects.requireNonNull(name, "name"), throttled);
    }

    /**
     * The same reply, taken for the relay's limit on this sender (messages per minute or per day, concurrent
     * submissions): a {@link Kind#TRANSIENT_REPLY}, whatever its code, so that the message is tried again later, and a
     * sign to send more slowly. Which replies are throttling is decided in one place, the relay's reply classification.
     */
    public RelayException throttling() {
        return new RelayException(Kind.TRANSIENT_REPLY, smtpCode, getMessage(), messageId, relay, true);
    }

    /** True when the relay refused the message for its limit on this sender ({@link #throttling()}). */
    public boolean throttled() {
        return throttled;
    }

    public Optional<String> messageId() {
        return Optional.ofNullable(messageId);
    }

    /** The relay the failure happened at, when one was tried. */
    public Optional<String> relay() {
        return Optional.ofNullable(relay);
    }

    public OptionalInt smtpCode() {
        return smtpCode > 0 ? OptionalInt.of(smtpCode) : OptionalInt.empty();
    }

    /**
     * True when the connection to the relay is unusable after this failure (no connection, broken, closed by a 421,
     * one too many for the relay, or not set up), so that a batch knows the next message must reconnect first.
     */
    public boolean connectionLevel() {
        return switch (kind) {
            case CONNECTION, TLS, AUTHENTICATION, CREDENTIALS, UNKNOWN_OUTCOME -> true;
            case TRANSIENT_REPLY -> smtpCode == 421 || tooManyConnections();
            case PERMANENT_REPLY, DEADLINE -> false;
        };
    }

    /**
     * True when the relay refused the message because its connection is one more than the relay lets send at once:
     * 432 after the login, which Exchange Online answers ({@code 432 4.3.2 Concurrent connections limit exceeded})
     * to a message on a fourth connection of one mailbox. The connection then counts against the limit until it is
     * closed.
     */
    public boolean tooManyConnections() {
        return kind == Kind.TRANSIENT_REPLY && smtpCode == TOO_MANY_CONNECTIONS;
    }

    @Override
    public boolean retryable() {
        return kind.retryable;
    }

    @Override
    public String code() {
        return kind.code;
    }
}
