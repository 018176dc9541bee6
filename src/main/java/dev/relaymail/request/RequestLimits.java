package dev.relaymail.request;

/**
 * The limits a request is held to. {@code maxRecipients} and {@code maxMessageBytes} come from the configuration;
 * the rest are fixed here so that they are named in one place (and listed in docs/api.md).
 */
public record RequestLimits(int maxRecipients, long maxMessageBytes) {

    public static final int MAX_SUBJECT_CHARS = 998;
    public static final int MAX_ATTACHMENTS = 50;
    public static final int MAX_FILENAME_CHARS = 255;
    public static final int MAX_CONTENT_TYPE_CHARS = 255;
    public static final int MAX_CONTENT_ID_CHARS = 128;
    public static final int MAX_HEADERS = 50;
    public static final int MAX_HEADER_VALUE_CHARS = 998;
    public static final int MAX_TAGS = 20;
    public static final int MAX_TAG_KEY_CHARS = 64;
    public static final int MAX_TAG_VALUE_CHARS = 256;
    public static final int MAX_IDEMPOTENCY_KEY_CHARS = 256;
    /** Messages in one {@code POST /messages/batch}, as Postmark and SendGrid allow. */
    public static final int MAX_BATCH = 100;
    /** An unsubscribe URL: long enough for signed tokens, short enough that the header still fits on one line. */
    public static final int MAX_UNSUBSCRIBE_URL_CHARS = 900;

    public RequestLimits {
        if (maxRecipients < 1) {
            throw new IllegalArgumentException("maxRecipients must be at least 1");
        }
        if (maxMessageBytes < 1024) {
            throw new IllegalArgumentException("maxMessageBytes must be at least 1024");
        }
    }
}
