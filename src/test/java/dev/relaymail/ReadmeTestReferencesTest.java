package dev.relaymail;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README and the pages under docs/ and bench/ stay true to the code and to each other: every test they name exists, and
 * every relative link leads to a file, and a heading, that exists (so each page is one click from the README's index).
 */
class ReadmeTestReferencesTest {

    private static final Pattern TEST_REFERENCE =
            Pattern.compile("`([A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*(?:Test|IT))(?:\\.([A-Za-z0-9]+)(…)?)?`");
    private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)\\)");
    private static final Pattern FENCED_CODE = Pattern.compile("(?ms)^```.*?^```");
    private static final Pattern INLINE_CODE = Pattern.compile("`[^`\n]*`");
    private static final Pattern HEADING = Pattern.compile("(?m)^#{1,6} +(.+?) *$");

    @Test
    void everyTestNamedInTheDocsExists() throws IOException {
        List<String> checked = new ArrayList<>();
        for (Path page : pages()) {
            Matcher reference = TEST_REFERENCE.matcher(Files.readString(page));
            while (reference.find()) {
                String className = reference.group(1);
                String source = findSource(className)
                        .orElseThrow(() -> new AssertionError(page + " names " + className + ", no test class"));
                if (reference.group(2) != null) {
                    String method = reference.group(2);
                    String pattern =
                            reference.group(3) != null ? "void " + method + "\\w*\\(" : "void " + method + "\\(";
                    assertTrue(
                            Pattern.compile(pattern).matcher(source).find(),
                            page + " names " + className + "." + method + ", no such test");
                }
                checked.add(reference.group());
            }
        }
        assertTrue(checked.size() >= 80, "the pages name their tests, only " + checked.size() + ": " + checked);
    }

    @Test
    void everyRelativeLinkLeadsToAFileAndHeadingThatExist() throws IOException {
        List<String> broken = new ArrayList<>();
        for (Path page : pages()) {
            String text = INLINE_CODE.matcher(withoutCodeBlocks(page)).replaceAll("");
            Matcher link = LINK.matcher(text);
            while (link.find()) {
                String target = link.group(1);
                if (target.matches("[a-z]+:.*")) {
                    continue; // https:, mailto:
                }
                int hash = target.indexOf('#');
                String path = hash < 0 ? target : target.substring(0, hash);
                Path file = path.isEmpty() ? page : page.resolveSibling(path).normalize();
                if (!Files.exists(file)) {
                    broken.add(page + ": " + target + " (no such file)");
                } else if (hash >= 0
                        && file.toString().endsWith(".md")
                        && !anchors(file).contains(target.substring(hash + 1))) {
                    broken.add(page + ": " + target + " (no such heading in " + file + ")");
                }
            }
        }
        assertTrue(broken.isEmpty(), "broken links:\n" + String.join("\n", broken));
    }

    /** README.md and every Markdown page under docs/ and bench/ (the bench's installed npm packages aside). */
    private static List<Path> pages() throws IOException {
        try (Stream<Path> docs = Files.walk(Path.of("docs"));
                Stream<Path> bench = Files.walk(Path.of("bench"))) {
            return Stream.concat(
                            Stream.of(Path.of("README.md")),
                            Stream.concat(docs, bench)
                                    .filter(p -> p.toString().endsWith(".md"))
                                    .filter(p -> !p.toString().contains("node_modules"))
                                    .sorted())
                    .toList();
        }
    }

    /** The anchors GitHub gives a page's headings: lower case, punctuation but - and _ dropped, spaces to -. */
    private static Set<String> anchors(Path page) throws IOException {
        return HEADING.matcher(withoutCodeBlocks(page))
                .results()
                .map(heading -> heading.group(1)
                        .toLowerCase(Locale.ROOT)
                        .replaceAll("[^\\p{L}\\p{N} _-]", "")
                        .replace(' ', '-'))
                .collect(Collectors.toSet());
    }

    private static String withoutCodeBlocks(Path page) throws IOException {
        return FENCED_CODE.matcher(Files.readString(page)).replaceAll("");
    }

    private static Optional<String> findSource(String className) throws IOException {
        try (Stream<Path> files = Files.walk(Path.of("src", "test", "java"))) {
            Optional<Path> file = files.filter(p -> p.getFileName().toString().equals(className + ".java"))
                    .findFirst();
            return file.isPresent() ? Optional.of(Files.readString(file.get())) : Optional.empty();
        }
    }
}
