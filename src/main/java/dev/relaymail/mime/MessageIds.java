package dev.relaymail.mime;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code Message-ID} values that need no DNS lookup: the right-hand side is the sender's domain. A message sent
 * under an idempotency key gets an id derived from the key, so that a receiver can recognise a duplicate that
 * slipped through; any other message gets 128 random bits.
 */
public final class MessageIds {
    static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
    private volatile SecureRandom random = new SecureRandom();

    /**
     * Starts a new random source. A container restored from a snapshot (SnapStart) would otherwise share the random
     * state of every other container restored from it, and so their Message-IDs.
     */
    public void reseed() {
        random = new SecureRandom();
    }

    /** The angle-bracketed id for a message from {@code domain}, keyed or random. */
    public String next(Optional<String> idempotencyKey, String domain) {
        byte[] bits = idempotencyKey.map(MessageIds::digest).orElseGet(this::randomBits);
        return "<" + base32(bits, 16) + "@" + domain.toLowerCase(Locale.ROOT) + ">";
    }

    private byte[] randomBits() {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] digest(String key) {
        try {
            return MessageDigest.getInstance("SHA-256")
                    .digest(("relaymail-message-id\0" + key).getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** Lower-case base32 of the first {@code length} bytes, without padding. */
    private static String base32(byte[] bytes, int length) {
        StringBuilder out = new StringBuilder((length * 8 + 4) / 5);
        int buffer = 0;
        int bits = 0;
        for (int i = 0; i < length; i++) {
            buffer = (buffer << 8) | (bytes[i] & 0xff);
            bits += 8;
            while (bits >= 5) {
                out.append(BASE32[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        if (bits > 0) {
            out.append(BASE32[(buffer << (5 - bits)) & 31]);
        }
        return out.toString();
    }
}
