package dev.relaymail.logging;

import dev.relaymail.config.ConfigException;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;

/**
 * Makes {@code java.util.logging} the one backend, writing JSON lines to standard output (which Lambda sends to
 * CloudWatch). Angus Mail logs there directly and the AWS SDK through SLF4J's JDK binding.
 *
 * <p>{@code LOG_LEVEL} (for example {@code FINE}, or Lambda's names {@code DEBUG}, {@code WARN}, {@code ERROR}) applies
 * to the function's own loggers only; a value that is no level stops the function at start, as any malformed setting
 * does. Libraries stay at
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
    /** The level names of Lambda's log-level controls, as java.util.logging levels. */
    private static final Map<String, Level> LAMBDA_NAMES = Map.of(
            "FATAL",
            Level.SEVERE,
            "ERROR",
            Level.SEVERE,
            "WARN",
            Level.WARNING,
            "DEBUG",
            Level.FINE,
            "TRACE",
            Level.FINEST);

    private JsonLogging() {}

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

    /** The level a {@code LOG_LEVEL} value names: a java.util.logging name or number, or one of Lambda's names. */
    static Level parse(String level) {
        if (level == null || level.isBlank()) {
            return Level.INFO;
        }
        String name = level.strip().toUpperCase(Locale.ROOT);
        Level alias = LAMBDA_NAMES.get(name);
        if (alias != null) {
            return alias;
        }
        try {
            return Level.parse(name);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("LOG_LEVEL must be a level (SEVERE, WARNING, INFO, FINE, … or ERROR, WARN, "
                    + "DEBUG, TRACE): " + level.strip());
        }
    }
}
