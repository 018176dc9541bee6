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
 * CloudWatch). Angus Mail logs there directly and the AWS SDK through SLF4J's JDK binding.
 *
 * <p>{@code LOG_LEVEL} (for example {@code FINE}) applies to the function's own loggers only. Libraries stay at
 * {@code INFO} whatever it says: below that, Angus Mail traces the SMTP conversation (message bodies included) and
 * the AWS SDK logs SQS message bodies, and neither may reach the logs. The metrics line is written whatever the
 * level.
 */
public final class JsonLogging {
    /** The configured loggers, held strongly: the log manager forgets a logger's level once it is collected. */
    private static final Logger ROOT = Logger.getLogger("");
    private static final Logger OWN = Logger.getLogger("dev.relaymail");
    private static final Logger METRICS = Logger.getLogger(Metrics.LOGGER);
    /** Angus Mail logs for our SMTP transport under the transport's package, trace included. */
    private static final Logger TRANSPORT = Logger.getLogger("dev.relaymail.relay.transport");

    private JsonLogging() {
    }

    public static void install(String level, PrintStream out) {
        LogManager.getLogManager().reset();
        Level parsed = parse(level);
        Handler handler = new StreamHandler(out, new JsonLogFormatter()) {
            @Override
            public synchronized void publish(java.util.logging.LogRecord record) {
                super.publish(record);
                flush();
            }
        };
        handler.setLevel(Level.ALL);
        ROOT.addHandler(handler);
        ROOT.setLevel(Level.INFO);
        OWN.setLevel(parsed);
        METRICS.setLevel(Level.INFO);
        TRANSPORT.setLevel(Level.INFO);
    }

    private static Level parse(String level) {
        try {
            return Level.parse(level == null || level.isBlank() ? "INFO" : level.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return Level.INFO;
        }
    }
}
