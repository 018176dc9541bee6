package dev.relaymail.local;

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
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                LocalInvoke.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command);
    }

    /** Runs LocalInvoke with these arguments; returns what it printed on standard output. */
    private static String localInvoke(String... args) throws IOException, InterruptedException {
        Moto.endpoint();
        Process process =
                command(args).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "LocalInvoke finished");
        assertEquals(0, process.exitValue(), out);
        return out;
    }

    /** Checks that the output has every one of the expected lines or parts of lines. */
    private static void assertPrints(String out, String... expected) {
        for (String part : expected) {
            assertTrue(out.contains(part), "missing " + part + " in:\n" + out);
        }
    }

    @Test
    void runsTheRestSampleAgainstTheEmbeddedRelay() throws Exception {
        assertPrints(
                localInvoke("events/api-rest-invoice.json"),
                "\"statusCode\" : 202",
                "== message 1 as the relay received it over STARTTLS, AUTH as relay-user",
                "RCPT TO:<audit@example.com>");
    }

    @Test
    void failsOverFromARelayThatRefusesConnections() throws Exception {
        assertPrints(
                localInvoke("--failover", "events/api-http-template.json"),
                "\"statusCode\" : 202",
                "List-Unsubscribe-Post: List-Unsubscribe=One-Click");
    }

    @Test
    void authenticatesWithXoauth2AndReadsTheS3Attachment() throws Exception {
        assertPrints(
                localInvoke("--oauth2", "events/sqs-s3-attachment.json"),
                "\"batchItemFailures\" : [ ]",
                "AUTH as billing@example.com",
                "filename=\"q3-report.pdf\"",
                "issued 1 token(s), asked with grant_type [client_credentials]");
    }

    @Test
    void signsAsAGoogleServiceAccount() throws Exception {
        assertPrints(
                localInvoke("--google", "events/api-http-welcome.json"),
                "\"statusCode\" : 202",
                "AUTH as billing@example.com",
                "asked with grant_type [urn:ietf:params:oauth:grant-type:jwt-bearer]");
    }

    @Test
    void refusesAnUnknownOption() throws Exception {
        Process process = command("--fast", "events/sqs-batch.json")
                .redirectErrorStream(true)
                .start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(2, process.waitFor(), out);
        assertTrue(out.contains("usage: ./local-invoke [--failover] [--oauth2 | --google]"), out);
    }
}
