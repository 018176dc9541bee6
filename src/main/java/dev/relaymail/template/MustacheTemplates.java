package dev.relaymail.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.samskivert.mustache.Mustache;
import com.samskivert.mustache.MustacheException;
import com.samskivert.mustache.Template;
import dev.relaymail.core.FieldError;
import dev.relaymail.core.RequestRejectedException;
import dev.relaymail.core.RetryLaterException;
import dev.relaymail.core.Templates;
import dev.relaymail.logging.LogFields;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Mustache templates (jmustache), looked up in each source in turn (S3 first, when configured, then the package) and
 * kept compiled for a while: an S3 template changes within {@code TEMPLATE_CACHE_SECONDS}; while S3 cannot be
 * reached a template already loaded is used past that time.
 *
 * <p>Strict: a variable the data lacks is an error naming it, while a section over a missing name renders nothing
 * (that is how a template marks a part optional). {@code null} renders as nothing. The HTML escapes the data; the
 * subject and text do not (they are not HTML). Without a text template, the text part is made from the HTML.
 * Partials are not supported.
 */
public final class MustacheTemplates implements Templates {
    private static final Logger LOG = Logger.getLogger(MustacheTemplates.class.getName());
    /** Enough for every template a function uses; a caller asking for many unknown names only churns this. */
    private static final int MAX_CACHED = 256;

    private final List<TemplateSource> sources;
    private final Duration ttl;
    private final Clock clock;
    private final Map<String, Cached> cache = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
            return size() > MAX_CACHED;
        }
    };

    public MustacheTemplates(List<TemplateSource> sources, Duration ttl, Clock clock) {
        this.sources = List.copyOf(sources);
        this.ttl = ttl;
        this.clock = clock;
    }

    /** Only the templates packaged with the function. */
    public static MustacheTemplates bundled() {
        return new MustacheTemplates(List.of(new BundledTemplates()), Duration.ofMinutes(5), Clock.systemUTC());
    }

    @Override
    public Rendered render(String name, JsonNode data) throws RequestRejectedException, RetryLaterException {
        Lookup lookup = lookup(name);
        if (lookup instanceof Broken broken) {
            throw RequestRejectedException.invalid("template", broken.reason());
        }
        if (!(lookup instanceof Compiled template)) {
            throw RequestRejectedException.invalid(
                    "template",
                    "there is no template named " + name + " in "
                            + String.join(
                                    " or ",
                                    sources.stream()
                                            .map(TemplateSource::describe)
                                            .toList()));
        }
        Object context = plain(data);
        List<FieldError> missing = new ArrayList<>();
        String subject = execute(template.subject(), context, name, TemplateFiles.SUBJECT, missing);
        String html = execute(template.html(), context, name, TemplateFiles.HTML, missing);
        String text = template.text().isPresent()
                ? execute(template.text().get(), context, name, TemplateFiles.TEXT, missing)
                : HtmlText.of(html);
        if (!missing.isEmpty()) {
            throw RequestRejectedException.invalid(missing);
        }
        return new Rendered(subject, html, text);
    }

    /**
     * The request's data as the maps, lists, strings, numbers and booleans Mustache walks, JSON's null as null: what
     * Jackson's {@code ObjectMapper.convertValue(data, Object.class)} gives, without making a mapper at the first
     * template.
     */
    static Object plain(JsonNode data) {
        return switch (data.getNodeType()) {
            case OBJECT -> {
                Map<String, Object> fields = new LinkedHashMap<>();
                for (Map.Entry<String, JsonNode> field : data.properties()) {
                    fields.put(field.getKey(), plain(field.getValue()));
                }
                yield fields;
            }
            case ARRAY -> {
                List<Object> elements = new ArrayList<>(data.size());
                for (JsonNode element : data) {
                    elements.add(plain(element));
                }
                yield elements;
            }
            case STRING -> data.textValue();
            case NUMBER -> data.numberValue();
            case BOOLEAN -> data.booleanValue();
            default -> null;
        };
    }

    /**
     * The template's output; the first variable the data lacks is added to {@code problems} instead (Mustache stops
     * there), once however many files use it.
     */
    private static String execute(
            Template template, Object context, String name, String file, List<FieldError> problems) {
        try {
            return template.execute(context);
        } catch (MustacheException.Context e) {
            String field = "data." + e.key;
            if (problems.stream().noneMatch(p -> p.field().equals(field))) {
                problems.add(new FieldError(
                        field,
                        "is used by template " + name + " (" + file + ", line " + e.lineNo + ") but is not in data"));
            }
        } catch (MustacheException e) {
            problems.add(new FieldError("template", "template " + name + " (" + file + ") failed: " + e.getMessage()));
        }
        return "";
    }

    private synchronized Lookup lookup(String name) throws RetryLaterException {
        Cached cached = cache.get(name);
        Instant now = clock.instant();
        if (cached != null && cached.loaded().plus(ttl).isAfter(now)) {
            return cached.lookup();
        }
        try {
            Lookup fresh = load(name);
            cache.put(name, new Cached(fresh, now));
            return fresh;
        } catch (TemplateSource.Unavailable e) {
            if (cached != null) {
                LOG.log(
                        Level.WARNING,
                        "template source unavailable; using the template loaded before",
                        LogFields.of().with("template", name).with("detail", e.getMessage()));
                // kept for another TTL: while the source is down, messages must not each wait for it in turn
                cache.put(name, new Cached(cached.lookup(), now));
                return cached.lookup();
            }
            LOG.log(
                    Level.SEVERE,
                    "template source unavailable",
                    LogFields.of().with("template", name).with("detail", e.getMessage()));
            throw new RetryLaterException(
                    RetryLaterException.Reason.STORAGE_UNAVAILABLE, "template " + name + " cannot be loaded right now");
        }
    }

    private Lookup load(String name) throws TemplateSource.Unavailable {
        for (TemplateSource source : sources) {
            Optional<TemplateFiles> files = source.find(name);
            if (files.isPresent()) {
                return compile(name, source, files.get());
            }
        }
        return new Missing();
    }

    private static Lookup compile(String name, TemplateSource source, TemplateFiles files) {
        String file = TemplateFiles.SUBJECT;
        try {
            Template subject = Mustaches.PLAIN.compile(files.subject());
            file = TemplateFiles.HTML;
            Template html = Mustaches.HTML.compile(files.html());
            file = TemplateFiles.TEXT;
            Optional<Template> text = files.text().map(Mustaches.PLAIN::compile);
            return new Compiled(subject, html, text);
        } catch (MustacheException e) {
            String reason = "template " + name + " in " + source.describe() + " cannot be compiled (" + file + "): "
                    + e.getMessage();
            LOG.log(
                    Level.SEVERE,
                    "broken template",
                    LogFields.of().with("template", name).with("detail", reason));
            return new Broken(reason);
        }
    }

    /** What looking a name up found. */
    private sealed interface Lookup permits Compiled, Missing, Broken {}

    private record Compiled(Template subject, Template html, Optional<Template> text) implements Lookup {}

    private record Missing() implements Lookup {}

    private record Broken(String reason) implements Lookup {}

    private record Cached(Lookup lookup, Instant loaded) {}

    /**
     * The compilers, made at the first template used rather than when the function is wired: most functions send
     * without templates, and their cold start need not load jmustache's compiler (only its exception classes, which
     * the catch clauses here name).
     */
    private static final class Mustaches {
        static final Mustache.Compiler HTML = Mustache.compiler()
                .escapeHTML(true)
                .strictSections(false)
                .emptyStringIsFalse(true)
                .nullValue("");
        static final Mustache.Compiler PLAIN = HTML.escapeHTML(false);
    }
}
