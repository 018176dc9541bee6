package dev.relaymail.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relaymail.core.FieldError;
import dev.relaymail.core.RequestRejectedException;
import dev.relaymail.core.Templates;
import java.util.List;
import org.junit.jupiter.api.Test;

class MustacheTemplatesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final MustacheTemplates templates = MustacheTemplates.bundled();

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
    void rendersTheSubjectAsTextAndEscapesDataInTheHtml() throws Exception {
        Templates.Rendered r = templates.render("welcome", welcomeData());

        assertEquals("Welcome to Acme Cloud, Ada <b>& Co</b>\n", r.subject());
        assertTrue(r.html().contains("<h1>Welcome, Ada &lt;b&gt;&amp; Co&lt;/b&gt;!</h1>"), r.html());
        assertTrue(r.html().contains("href=\"https://app.example.com/login?from&#x3D;mail&amp;lang&#x3D;en\""),
                r.html());
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
        ObjectNode data = JSON.createObjectNode().put("name", "Ada").put("product", "Acme")
                .put("validMinutes", 30).put("resetUrl", "https://app.example.com/reset?t=a&b");
        Templates.Rendered r = templates.render("password-reset", data);

        assertTrue(r.text().contains("open this link within 30 minutes:\n\nhttps://app.example.com/reset?t=a&b\n"),
                r.text());
        assertTrue(r.html().contains("reset?t&#x3D;a&amp;b"), r.html());
    }

    @Test
    void namesTheVariableTheDataLacksOncePerVariable() {
        ObjectNode data = welcomeData();
        data.remove("name");

        List<FieldError> errors = assertThrows(RequestRejectedException.class,
                () -> templates.render("welcome", data)).errors();

        assertEquals(List.of(new FieldError("data.name",
                "is used by template welcome (subject.mustache, line 1) but is not in data")), errors);
    }

    @Test
    void namesTheFirstMissingVariableOfEachFile() {
        ObjectNode data = welcomeData();
        data.remove("loginUrl");

        List<FieldError> errors = assertThrows(RequestRejectedException.class,
                () -> templates.render("welcome", data)).errors();

        assertEquals(List.of(new FieldError("data.loginUrl",
                "is used by template welcome (html.mustache, line 12) but is not in data")), errors);
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
        List<FieldError> errors = assertThrows(RequestRejectedException.class,
                () -> templates.render("no-such-template", welcomeData())).errors();

        assertEquals("template", errors.get(0).field());
        assertTrue(errors.get(0).message().contains("no template named no-such-template in the package"),
                errors.toString());
    }

    @Test
    void reportsABrokenTemplateAsSuch() {
        List<FieldError> errors = assertThrows(RequestRejectedException.class,
                () -> templates.render("broken", welcomeData())).errors();

        assertEquals("template", errors.get(0).field());
        assertTrue(errors.get(0).message().startsWith("template broken in the package (templates/) cannot be "
                + "compiled (html.mustache): Section missing close tag 'items'"), errors.toString());
    }
}
