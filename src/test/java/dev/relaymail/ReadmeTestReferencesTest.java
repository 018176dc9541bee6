package dev.relaymail;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every test the README names (in its security and delivery tables) exists, so they cannot drift from the tests. */
class ReadmeTestReferencesTest {

    @Test
    void everyTestNamedInTheReadmeExists() throws IOException {
        String table = Files.readString(Path.of("README.md"));
        Matcher reference = Pattern.compile("`([A-Z][A-Za-z]+(?:Test|IT))(?:\\.([A-Za-z0-9]+)(…)?)?`")
                .matcher(table);
        List<String> checked = new ArrayList<>();
        while (reference.find()) {
            String source = findSource(reference.group(1))
                    .orElseThrow(() -> new AssertionError("no test class " + reference.group(1)));
            if (reference.group(2) != null) {
                String method = reference.group(2);
                String pattern = reference.group(3) != null ? "void " + method + "\\w*\\(" : "void " + method + "\\(";
                assertTrue(
                        Pattern.compile(pattern).matcher(source).find(),
                        "no test " + reference.group(1) + "." + method);
            }
            checked.add(reference.group());
        }
        assertFalse(checked.size() < 40, "the tables name their tests: " + checked);
    }

    private static Optional<String> findSource(String className) throws IOException {
        try (Stream<Path> files = Files.walk(Path.of("src", "test", "java"))) {
            Optional<Path> file = files.filter(p -> p.getFileName().toString().equals(className + ".java"))
                    .findFirst();
            return file.isPresent() ? Optional.of(Files.readString(file.get())) : Optional.empty();
        }
    }
}
