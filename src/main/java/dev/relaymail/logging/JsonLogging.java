package dev.relaymail.logging;

import java.io.PrintStream;
import java.util.Locale;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;

/**
 * Makes {@code java.util.logging} the one backend, writing JSON lines to standard output (which Lambda sends to
 * CloudWatch). Angus Mail logs there directly and the AWS SDK through SLF4J's JDK binding. {@code LOG_LEVEL}
 * (for example {@code FINE}) sets the level; Angus's own protocol trace stays off whatever the level.
 */
public final class JsonLogging {
    private JsonLogging() {
    }

    public static void install(String level, PrintStream out) {
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        Level parsed = parse(level);
        Handler handler = new StreamHandler(out, new JsonLogFormatter()) {
            @Override
            public synchronized void publish(java.util.logging.LogRecord record) {
                super.publish(record);
                flush();
            }
        };
        handler.setLevel(parsed);
        root.addHandler(handler);
        root.setLevel(parsed);
        // Angus logs the protocol exchange below INFO; it is never wanted in production logs.
        Logger.getLogger("org.eclipse.angus.mail").setLevel(Level.INFO.intValue() < parsed.intValue() ? parsed
                : Level.INFO);
    }

    private static Level parse(String level) {
        try {
            return Level.parse(level == null || level.isBlank() ? "INFO" : level.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return Level.INFO;
        }
    }
}
