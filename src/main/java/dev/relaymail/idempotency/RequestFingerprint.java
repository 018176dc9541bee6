package dev.relaymail.idempotency;

import dev.relaymail.core.Attachment;
import dev.relaymail.core.Header;
import dev.relaymail.core.MailAddress;
import dev.relaymail.core.SendRequest;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A SHA-256 of everything a request asks for except its idempotency key, so that a key reused with another payload
 * is recognised. It is computed on the validated request, so the JSON's field order, spacing and line-wrapped
 * base64 make no difference. An attachment given by reference counts by its address, not its content, which is read
 * only when the message is sent.
 */
public final class RequestFingerprint {
    private RequestFingerprint() {}

    public static String of(SendRequest r) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            address(out, r.from());
            for (List<MailAddress> list : List.of(r.to(), r.cc(), r.bcc(), r.replyTo())) {
                out.writeInt(list.size());
                for (MailAddress a : list) {
                    address(out, a);
                }
            }
            out.writeUTF(r.subject());
            optional(out, r.text());
            optional(out, r.html());
            out.writeInt(r.attachments().size());
            for (Attachment a : r.attachments()) {
                out.writeUTF(a.filename());
                out.writeUTF(a.contentType());
                optional(out, a.contentId());
                if (a.content() instanceof Attachment.StoredObject object) {
                    out.writeUTF(object.toString());
                } else {
                    out.flush();
                    sha.update(bytes.toByteArray());
                    bytes.reset();
                    sha.update(MessageDigest.getInstance("SHA-256").digest(a.bytes()));
                }
            }
            out.writeInt(r.headers().size());
            for (Header h : r.headers()) {
                out.writeUTF(h.name());
                out.writeUTF(h.value());
            }
            Map<String, String> tags = new TreeMap<>(r.tags());
            out.writeInt(tags.size());
            for (Map.Entry<String, String> tag : tags.entrySet()) {
                out.writeUTF(tag.getKey());
                out.writeUTF(tag.getValue());
            }
            out.flush();
            return HexFormat.of().formatHex(sha.digest(bytes.toByteArray()));
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static void address(DataOutputStream out, MailAddress a) throws IOException {
        optional(out, a.displayName());
        out.writeUTF(a.address());
    }

    private static void optional(DataOutputStream out, Optional<String> value) throws IOException {
        out.writeBoolean(value.isPresent());
        writeLong(out, value.orElse(""));
    }

    /** Like writeUTF, without its 64 KB limit (bodies can be longer). */
    private static void writeLong(DataOutputStream out, String value) throws IOException {
        byte[] utf8 = value.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }
}
