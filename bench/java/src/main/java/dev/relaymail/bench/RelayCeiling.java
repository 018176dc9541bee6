package dev.relaymail.bench;

import dev.relaymail.core.ComposedMessage;
import dev.relaymail.core.Deadline;
import dev.relaymail.mime.MessageIds;
import dev.relaymail.mime.MimeComposer;
import dev.relaymail.relay.RelaySettings;
import dev.relaymail.relay.SmtpRelay;
import dev.relaymail.request.AttachmentPolicy;
import dev.relaymail.request.RequestLimits;
import dev.relaymail.request.RequestReader;
import dev.relaymail.secrets.CredentialsSource;
import dev.relaymail.template.MustacheTemplates;
import dev.relaymail.testing.TestCredentials;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * The ceiling the relay and the machine allow: the benchmark message composed once, then its bytes sent again and
 * again over one connection of the function's relay adapter, with nothing parsed, composed or logged per message.
 * No sender can be faster than this on the same relay and machine. Prints one JSON line.
 *
 * <p>Usage: {@code RelayCeiling COUNT} with BENCH_RELAY_HOST, BENCH_RELAY_PORT, BENCH_RELAY_USER,
 * BENCH_RELAY_PASSWORD in the environment and the relay's CA in the JVM trust store.
 */
public final class RelayCeiling {
    private RelayCeiling() {}

    public static void main(String[] args) throws Exception {
        int count = Integer.parseInt(args[0]);
        CredentialsSource credentials =
                TestCredentials.fixed(System.getenv("BENCH_RELAY_USER"), System.getenv("BENCH_RELAY_PASSWORD"));
        RequestReader reader = new RequestReader(
                new RequestLimits(50, 10_485_760),
                Optional.empty(),
                AttachmentPolicy.defaults(),
                Set.of(),
                MustacheTemplates.bundled());
        ComposedMessage message = new MimeComposer(new MessageIds(), Clock.systemUTC(), 10_485_760)
                .compose(reader.read(
                        BenchMessage.load().request().toString().getBytes(StandardCharsets.UTF_8), Optional.empty()));
        try (SmtpRelay relay = new SmtpRelay(
                new RelaySettings(
                        System.getenv("BENCH_RELAY_HOST"),
                        Integer.parseInt(System.getenv("BENCH_RELAY_PORT")),
                        RelaySettings.TlsMode.STARTTLS,
                        5000,
                        10_000,
                        "bench.example",
                        1),
                credentials)) {
            for (int i = 0; i < 500; i++) {
                relay.send(message, Deadline.in(Duration.ofSeconds(30)));
            }
            CpuClock cpu = new CpuClock();
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                relay.send(message, Deadline.in(Duration.ofSeconds(30)));
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(
                    "{\"peer\": \"relay-ceiling\", \"messages\": %d, \"seconds\": %.3f, \"per_second\": %.1f, "
                            + "%s}%n",
                    count, seconds, count / seconds, cpu.json());
        }
    }
}
