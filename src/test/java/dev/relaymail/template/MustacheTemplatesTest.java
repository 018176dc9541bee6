package dev.relaymail.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relaymail.core.FieldError;
import dev.relaymail.core.RequestRejectedException;
import dev.relaymail.core.Templates;
import dev.relaymail.testing.SteppingClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MustacheTemplatesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final MustacheTemplates templates = MustacheTemplates.bundled();

    @Test
    void givesMustacheTheDataAsJacksonsConvertValueWould() throws Exception {
        String data = "{\"s\": \"x\", \"i\": 7, \"l\": 9007199254740993, \"big\": 123456789012345678901234567890, "
                + "\"d\": 2.50, \"t\": true, \"n\": null, \"list\": [1, \"a\", null, {\"k\": [false]}], \"o\": {}}";
        JsonNode tree = JSON.readTree(data);
        Object expected = JSON.convertValue(tree, Object.class);

        assertEquals(expected, MustacheTemplates.plain(tree), "the same maps, lists and number types");
    }

    private static ObjectNode welcomeData() {
        ObjectNode data = JSON.createObjectNode();
        data.put("name", "Ada <b>& Co</b>");
        data.put("product", "Acme Cloud");
        data.put("email", "ada@example.net");
        data.put("loginUrl", "https://app.example.com/login?from=mail&lang=en");
        data.putArray("steps").add("Verify your address").add("Invite your team");
        return data;
    }

    @Test
    void whileTheSourceIsDownTheTemplateLoadedBeforeServesAnotherCacheTimeWithoutAskingPerMessage() throws Exception {
        AtomicBoolean down = new AtomicBoolean();
        AtomicInteger asked = new AtomicInteger();
        TemplateSource flaky = new TemplateSource() {
            @Override
            public Optional<String> read(String name, String file) throws Unavailable {
                asked.incrementAndGet();
                if (down.get()) {
                    throw new Unavailable("down");
                }
                return Optional.of(file.equals(TemplateFiles.SUBJECT) ? "Hi {{name}}" : "<p>Hi {{name}}</p>");
            }

            @Override
            public String describe() {
                return "a flaky source";
            }
        };
        SteppingClock clock = new SteppingClock(Instant.parse("2026-01-01T00:00:00Z"));
        MustacheTemplates cached = new MustacheTemplates(List.of(flaky), Duration.ofMinutes(5), clock);
        ObjectNode data = JSON.createObjectNode().put("name", "Ada");
        cached.render("t", data);

        down.set(true);
        clock.advance(Duration.ofMinutes(6));
        int before = asked.get();
        for (int i = 0; i < 3; i++) {
            assertEquals("Hi Ada", cached.render("t", data).subject());
        }
        assertEquals(before + 1, asked.get(), "the source was asked once, not once per message");

        clock.advance(Duration.ofMinutes(6));
        cached.render("t", data);
        assertEquals(before + 2, asked.get(), "and again once that time is over");
    }

    @Test
    void rendersTheSubjectAsTextAndEscapesDataInTheHtml() throws Exception {
        Templates.Rendered r = templates.render("welcome", welcomeData());

        assertEquals("Welcome to Acme Cloud, Ada <b>& Co</b>\n", r.subject());
        assertTrue(r.html().contains("<h1>Welcome, Ada &lt;b&gt;&amp; Co&lt;/b&gt;!</h1>"), r.html());
        assertTrue(
                r.html().contains("href=\"https://app.example.com/login?from&#x3D;mail&amp;lang&#x3D;en\""), r.html());
        assertTrue(r.html().contains("<li>Invite your team</li>"), r.html());
    }

    @Test
    void makesTheTextPartFromTheHtmlWhenThereIsNoTextTemplate() throws Exception {
        String text = templates.render("welcome", welcomeData()).text();

        assertTrue(text.startsWith("Welcome, Ada <b>& Co</b>!\n\n"), text);
        assertTrue(text.contains("- Verify your address\n- Invite your team"), text);
        assertTrue(text.contains("Sign in (https://app.example.com/login?from=mail&lang=en) to get started."), text);
        assertFalse(text.contains("font-family"), "styles are dropped: " + text);
    }

    @Test
    void usesTheTextTemplateWhenThereIsOne() throws Exception {
        ObjectNode data = JSON.createObjectNode()
                .put("name", "Ada")
                .put("product", "Acme")
                .put("validMinutes", 30)
                .put("resetUrl", "https://app.example.com/reset?t=a&b");
        Templates.Rendered r = templates.render("password-reset", data);

        assertTrue(
                r.text().contains("open this link within 30 minutes:\n\nhttps://app.example.com/reset?t=a&b\n"),
                r.text());
        assertTrue(r.html().contains("reset?t&#x3D;a&amp;b"), r.html());
    }

    @Test
    void namesTheVariableTheDataLacksOncePerVariable() {
        ObjectNode data = welcomeData();
        data.remove("name");

        List<FieldError> errors = assertThrows(RequestRejectedException.class, () -> templates.render("welcome", data))
                .errors();

        assertEquals(
                List.of(new FieldError(
                        "data.name", "is used by template welcome (subject.mustache, line 1) but is not in data")),
                errors);
    }

    @Test
    void namesTheFirstMissingVariableOfEachFile() {
        ObjectNode data = welcomeData();
        data.remove("loginUrl");

        List<FieldError> errors = assertThrows(RequestRejectedException.class, () -> templates.render("welcome", data))
                .errors();

        assertEquals(
                List.of(new FieldError(
                        "data.loginUrl", "is used by template welcome (html.mustache, line 12) but is not in data")),
                errors);
    }

    @Test
    void aSectionOverAMissingNameRendersNothingAndNullRendersEmpty() throws Exception {
        ObjectNode data = welcomeData();
        data.remove("steps");
        data.putNull("email");

        Templates.Rendered r = templates.render("welcome", data);

        assertFalse(r.html().contains("<li>"), r.html());
        assertTrue(r.html().contains("<strong></strong>"), r.html());
    }

    @Test
    void refusesAnUnknownTemplateNamingWhereItLooked() {
        List<FieldError> errors = assertThrows(
                        RequestRejectedException.class, () -> templates.render("no-such-template", welcomeData()))
                .errors();

        assertEquals("template", errors.get(0).field());
        assertTrue(
                errors.get(0).message().contains("no template named no-such-template in the package"),
                errors.toString());
    }

    @Test
    void reportsABrokenTemplateAsSuch() {
        List<FieldError> errors = assertThrows(
                        RequestRejectedException.class, () -> templates.render("broken", welcomeData()))
                .errors();

        assertEquals("template", errors.get(0).field());
        assertTrue(
                errors.get(0)
                        .message()
                        .startsWith("template broken in the package (templates/) cannot be "
                                + "compiled (html.mustache): Section missing close tag 'items'"),
                errors.toString());
    }
}
