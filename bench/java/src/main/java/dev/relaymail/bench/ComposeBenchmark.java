package dev.relaymail.bench;

import dev.relaymail.core.ComposedMessage;
import dev.relaymail.core.SendRequest;
import dev.relaymail.mime.MessageIds;
import dev.relaymail.mime.MimeComposer;
import dev.relaymail.request.AttachmentPolicy;
import dev.relaymail.request.RequestLimits;
import dev.relaymail.request.RequestReader;
import dev.relaymail.template.MustacheTemplates;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-message CPU cost of the benchmark message, without network: reading the request JSON, composing the MIME
 * bytes, and, for comparison, building and writing the same message with plain Jakarta Mail as its docs show.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class ComposeBenchmark {
    private byte[] body;
    private SendRequest request;
    private RequestReader reader;
    private MimeComposer composer;
    private BenchMessage message;
    private Session session;

    @Setup
    public void setUp() throws Exception {
        message = BenchMessage.load();
        body = message.request().toString().getBytes(StandardCharsets.UTF_8);
        reader = new RequestReader(
                new RequestLimits(50, 10_485_760),
                Optional.empty(),
                AttachmentPolicy.defaults(),
                Set.of(),
                MustacheTemplates.bundled());
        composer = new MimeComposer(new MessageIds(), Clock.systemUTC(), 10_485_760);
        request = reader.read(body, Optional.empty());
        session = Session.getInstance(new Properties());
    }

    @Benchmark
    public SendRequest readRequest() throws Exception {
        return reader.read(body, Optional.empty());
    }

    @Benchmark
    public ComposedMessage compose() throws Exception {
        return composer.compose(request);
    }

    @Benchmark
    public byte[] plainJakartaMail() throws Exception {
        MimeMessage msg = message.plainMimeMessage(session);
        msg.setHeader("Message-ID", "<fixed@bench.example>");
        msg.saveChanges();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        msg.writeTo(out);
        return out.toByteArray();
    }
}
