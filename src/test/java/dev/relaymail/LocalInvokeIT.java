package dev.relaymail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.relaymail.testing.Moto;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The README's first command, {@code ./local-invoke}, as a user runs it: {@link LocalInvoke} in a JVM of its own, on
 * the samples, with and without its failover and OAuth2 modes.
 */
class LocalInvokeIT {

    /** The command line that runs LocalInvoke on the test class path, as ./local-invoke does. */
    private static ProcessBuilder command(String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), LocalInvoke.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command);
    }

    /** Runs LocalInvoke with these arguments; returns what it printed on standard output. */
    private static String localInvoke(String... args) throws IOException, InterruptedException {
        Moto.endpoint();
        Process process = command(args).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "LocalInvoke finished");
        assertEquals(0, process.exitValue(), out);
        return out;
    }

    @Test
    void runsTheRestSampleAgainstTheEmbeddedRelay() throws Exception {
        String out = localInvoke("events/api-rest-invoice.json");
        assertTrue(out.contains("\"statusCode\" : 202"), out);
        assertTrue(out.contains("== message 1 as the relay received it over STARTTLS, AUTH as relay-user"), out);
        assertTrue(out.contains("RCPT TO:<audit@example.com>"), out);
    }

    @Test
    void failsOverFromARelayThatRefusesConnections() throws Exception {
        String out = localInvoke("--failover", "events/api-http-template.json");
        assertTrue(out.contains("\"statusCode\" : 202"), out);
        assertTrue(out.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"), out);
    }

    @Test
    void authenticatesWithXoauth2AndReadsTheS3Attachment() throws Exception {
        String out = localInvoke("--oauth2", "events/sqs-s3-attachment.json");
        assertTrue(out.contains("\"batchItemFailures\" : [ ]"), out);
        assertTrue(out.contains("AUTH as billing@example.com"), out);
        assertTrue(out.contains("filename=\"q3-report.pdf\""), out);
    }

    @Test
    void refusesAnUnknownOption() throws Exception {
        Process process = command("--fast", "events/sqs-batch.json").redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(2, process.waitFor(), out);
        assertTrue(out.contains("usage: ./local-invoke [--failover] [--oauth2]"), out);
    }
}
