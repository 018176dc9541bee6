package dev.relaymail.template;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jsoup.parser.Parser;
import org.junit.jupiter.api.Test;

/** Our table of HTML5's named character references decodes every name as jsoup, a maintained HTML5 parser, does. */
class HtmlEntitiesTest {

    private static List<String[]> table() throws IOException {
        try (InputStream in = HtmlEntities.class.getResourceAsStream("html-entities.txt")) {
            List<String[]> rows = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                if (!line.startsWith("#")) {
                    rows.add(line.split(" "));
                }
            }
            return rows;
        }
    }

    @Test
    void hasHtml5sWholeTable() throws IOException {
        List<String[]> rows = table();
        assertEquals(2125, rows.size(), "2,231 references: 2,125 names, 106 of them also without a semicolon");
        assertEquals(106, rows.stream().filter(row -> row.length > 2).count());
    }

    @Test
    void decodesEveryNameAsJsoupDoes() throws IOException {
        List<String> different = new ArrayList<>();
        for (String[] row : table()) {
            for (String text : List.of("&" + row[0] + ";", "x&" + row[0] + "; &" + row[0] + " &" + row[0] + "=1")) {
                for (boolean inAttribute : new boolean[] {false, true}) {
                    String ours = HtmlEntities.decode(text, inAttribute);
                    String jsoups = Parser.unescapeEntities(text, inAttribute);
                    if (!ours.equals(jsoups)) {
                        different.add(text + (inAttribute ? " (attribute)" : "") + ": " + ours + " / " + jsoups);
                    }
                }
            }
        }
        assertEquals(List.of(), different);
    }

    @Test
    void decodesNumericReferencesAndLeavesWhatIsNoReference() {
        assertEquals(
                "ü € \uFFFD \uFFFD & &; &#; &#x; &unknown; a & b",
                HtmlEntities.decode("&#252; &#x20AC; &#0; &#xD800; & &; &#; &#x; &unknown; a &amp b", false));
        assertEquals("¬it; ∉ ?a=1©=2 ©", HtmlEntities.decode("&notit; &notin; ?a=1&copy=2 &copy", false));
        assertEquals("&notit; ?a=1&copy=2 ©", HtmlEntities.decode("&notit; ?a=1&copy=2 &copy", true));
    }
}
