package dev.relaymail.bench;

import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.MimeMessage;
import java.util.Properties;

/**
 * Plain Angus Mail as its documentation shows it: one Session, one Transport connected once, a MimeMessage built and
 * sent with {@code sendMessage} per message. STARTTLS and AUTH as the relay requires, nothing else tuned. Prints one
 * JSON line.
 *
 * <p>Usage: {@code AngusPlainThroughput COUNT} with BENCH_RELAY_HOST, BENCH_RELAY_PORT, BENCH_RELAY_USER,
 * BENCH_RELAY_PASSWORD in the environment and the relay's CA in the JVM trust store.
 */
public final class AngusPlainThroughput {
    private AngusPlainThroughput() {}

    public static void main(String[] args) throws Exception {
        int count = Integer.parseInt(args[0]);
        BenchMessage m = BenchMessage.load();
        Properties props = new Properties();
        props.put("mail.smtp.host", System.getenv("BENCH_RELAY_HOST"));
        props.put("mail.smtp.port", System.getenv("BENCH_RELAY_PORT"));
        props.put("mail.smtp.auth", "true");
        props.put("mail.smtp.starttls.enable", "true");
        props.put("mail.smtp.starttls.required", "true");
        Session session = Session.getInstance(props);
        Transport transport = session.getTransport("smtp");
        transport.connect(System.getenv("BENCH_RELAY_USER"), System.getenv("BENCH_RELAY_PASSWORD"));
        for (int i = 0; i < 10; i++) {
            send(transport, session, m);
        }
        CpuClock cpu = new CpuClock();
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            send(transport, session, m);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        String cpuJson = cpu.json();
        transport.close();
        System.out.printf(
                "{\"peer\": \"angus-plain\", \"messages\": %d, \"seconds\": %.3f, \"per_second\": %.1f, " + "%s}%n",
                count, seconds, count / seconds, cpuJson);
    }

    private static void send(Transport transport, Session session, BenchMessage m) throws Exception {
        MimeMessage msg = m.plainMimeMessage(session);
        msg.saveChanges();
        transport.sendMessage(msg, msg.getAllRecipients());
    }
}
