package dev.relaymail.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relaymail.config.ConfigException;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class JsonLoggingTest {

    @ParameterizedTest
    @CsvSource({
        "FINE, FINE",
        "fine, FINE",
        "' WARNING ', WARNING",
        "ALL, ALL",
        "500, FINE",
        "DEBUG, FINE",
        "warn, WARNING",
        "ERROR, SEVERE",
        "FATAL, SEVERE",
        "TRACE, FINEST"
    })
    void readsJulAndLambdaLevelNames(String value, String level) {
        assertEquals(Level.parse(level), JsonLogging.parse(value));
    }

    @Test
    void anUnsetLevelIsInfo() {
        assertEquals(Level.INFO, JsonLogging.parse(null));
        assertEquals(Level.INFO, JsonLogging.parse(" "));
    }

    @ParameterizedTest
    @ValueSource(strings = {"VERBOSE", "debug2", "INFO,FINE"})
    void aValueThatIsNoLevelStopsTheStartNamingTheSetting(String value) {
        ConfigException e = assertThrows(ConfigException.class, () -> JsonLogging.parse(value));
        assertTrue(e.getMessage().startsWith("LOG_LEVEL must be a level"), e.getMessage());
    }
}
