package dev.relaymail;

import static dev.relaymail.testing.Harness.message;
import static dev.relaymail.testing.Harness.sqsEvent;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relaymail.testing.Harness;
import java.security.Permission;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** What a warm container does per message, counted: no DNS lookup, no new mail Session, no new connection. */
class HotPathIT {
    private static final String QUEUE = "arn:aws:sqs:eu-central-1:123456789012:relaymail-messages";

    /** Counts host name lookups: the JDK asks the security manager before every one. */
    private static final class LookupCounter extends SecurityManager {
        final List<String> lookups = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void checkConnect(String host, int port) {
            if (port == -1) {
                lookups.add(host);
            }
        }

        @Override
        public void checkPermission(Permission permission) {}
    }

    static ObjectNode[] bodies(int count) {
        ObjectNode[] bodies = new ObjectNode[count];
        for (int i = 0; i < count; i++) {
            bodies[i] = message("r" + i + "@example.org", "m" + i);
        }
        return bodies;
    }

    @Test
    @SuppressWarnings("removal")
    void aWarmContainerLooksUpNoHostPerMessage() {
        try (Harness h = new Harness().with("SMTP_CONNECTIONS", "1")) {
            MailHandler handler = h.newContainer();
            Harness.invoke(
                    handler,
                    sqsEvent(QUEUE, bodies(1)).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    java.time.Duration.ofSeconds(30));
            LookupCounter counter = new LookupCounter();
            System.setSecurityManager(counter);
            try {
                Harness.invoke(
                        handler,
                        sqsEvent(QUEUE, bodies(10)).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        java.time.Duration.ofSeconds(30));
            } finally {
                System.setSecurityManager(null);
            }
            assertEquals(List.of(), counter.lookups, "no DNS lookup for EHLO, Message-ID or the relay");
        }
    }

    @Test
    void aContainerMakesItsMailSessionsOnceNotPerMessage() {
        List<LogRecord> sessions = Collections.synchronizedList(new ArrayList<>());
        Logger jakarta = Logger.getLogger("jakarta.mail");
        Level before = jakarta.getLevel();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if ("Jakarta Mail version {0}".equals(record.getMessage())) {
                    sessions.add(record);
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        jakarta.setLevel(Level.CONFIG);
        jakarta.addHandler(capture);
        try (Harness h = new Harness()) {
            MailHandler handler = h.newContainer();
            int atStart = sessions.size();
            for (int i = 0; i < 3; i++) {
                Harness.invoke(
                        handler,
                        sqsEvent(QUEUE, bodies(5)).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        java.time.Duration.ofSeconds(30));
            }
            assertEquals(2, atStart, "one Session to compose, one to send");
            assertEquals(atStart, sessions.size(), "none per message");
            assertEquals(15, h.relay.received().size());
        } finally {
            jakarta.removeHandler(capture);
            jakarta.setLevel(before);
        }
    }
}
