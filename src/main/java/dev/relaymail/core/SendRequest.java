package dev.relaymail.core;

import dev.relaymail.request.RequestReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** A validated request to send one message. Built by {@link RequestReader}; every field has passed its checks. */
public record SendRequest(
        MailAddress from,
        List<MailAddress> to,
        List<MailAddress> cc,
        List<MailAddress> bcc,
        List<MailAddress> replyTo,
        String subject,
        Optional<String> text,
        Optional<String> html,
        List<Attachment> attachments,
        List<Header> headers,
        Map<String, String> tags,
        Optional<String> idempotencyKey) {

    public SendRequest {
        Objects.requireNonNull(from, "from");
        to = List.copyOf(to);
        cc = List.copyOf(cc);
        bcc = List.copyOf(bcc);
        replyTo = List.copyOf(replyTo);
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(html, "html");
        attachments = List.copyOf(attachments);
        headers = List.copyOf(headers);
        tags = Map.copyOf(tags);
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        if (to.isEmpty() && cc.isEmpty() && bcc.isEmpty()) {
            throw new IllegalArgumentException("at least one recipient");
        }
        if (text.isEmpty() && html.isEmpty()) {
            throw new IllegalArgumentException("text or html");
        }
    }

    /** The envelope recipients: to, cc and bcc in that order, each mailbox once. */
    public List<MailAddress> envelopeRecipients() {
        List<MailAddress> all = new ArrayList<>(to.size() + cc.size() + bcc.size());
        for (List<MailAddress> list : List.of(to, cc, bcc)) {
            for (MailAddress candidate : list) {
                if (all.stream().noneMatch(candidate::sameMailbox)) {
                    all.add(candidate.withoutName());
                }
            }
        }
        return all;
    }

    /** The same request with these attachments (their content read from where the request pointed). */
    public SendRequest withAttachments(List<Attachment> resolved) {
        return new SendRequest(
                from, to, cc, bcc, replyTo, subject, text, html, resolved, headers, tags, idempotencyKey);
    }

    /** The same request with another idempotency key (the SQS message id stands in when the body has none). */
    public SendRequest withIdempotencyKey(String key) {
        return new SendRequest(
                from, to, cc, bcc, replyTo, subject, text, html, attachments, headers, tags, Optional.of(key));
    }
}
