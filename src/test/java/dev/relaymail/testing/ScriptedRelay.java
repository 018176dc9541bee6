package dev.relaymail.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * An SMTP server driven by a script, in the spirit of Angus Mail's own tests: it speaks just enough SMTP (greeting,
 * EHLO, STARTTLS with the trusted test certificate, AUTH, MAIL, RCPT, DATA, BDAT, RSET, NOOP, QUIT), records every
 * command line, every DATA payload exactly as the bytes arrived (dot-stuffing included) and every BDAT message (its
 * chunks joined, exactly the bytes each BDAT counted), and lets a test replace any reply: another reply, silence, a
 * dropped connection, or raw bytes. A BDAT chunk is read in full whatever the reply, as RFC 3030 requires.
 */
public final class ScriptedRelay implements AutoCloseable {

    /** What the server does in answer to a command. */
    public sealed interface Reply permits Line, Silence, Drop, Reset, Raw, DropDuringData, BrokenTls, Deferred {}

    /** One reply; several lines may be given separated by CRLF. */
    public record Line(String text) implements Reply {}

    /** Never answer, keep the connection open. */
    public record Silence() implements Reply {}

    /** Close the connection without answering. */
    public record Drop() implements Reply {}

    /** Reset the connection (TCP RST) without answering: the client's next read fails instead of ending. */
    public record Reset() implements Reply {}

    /** Answer DATA with 354 (for BDAT: answer nothing), read a few bytes of the message, then reset the connection. */
    public record DropDuringData() implements Reply {}

    /**
     * Write, under TLS, bytes that are no valid TLS record (as a failing TLS-terminating proxy might), then close: the
     * client's TLS layer fails where it expected the reply.
     */
    public record BrokenTls() implements Reply {}

    /** Write these bytes exactly. */
    public record Raw(byte[] bytes) implements Reply {}

    /**
     * Answer only once the next command line has arrived: a client that waits for this reply before it sends more
     * gets no answer (and times out); one that pipelined the next command gets it.
     */
    public record Deferred(Line reply) implements Reply {}

    /**
     * A command as the server saw it, with how often its verb has been seen on the whole server before, and whether
     * more input had already arrived behind it (the client pipelined).
     */
    public record Command(String line, String verb, int connection, int occurrence, boolean tls, boolean followed) {}

    public static Line reply(String text) {
        return new Line(text);
    }

    /** The verb of {@link #on} for every line that is not a command: the lines of an AUTH exchange, for one. */
    public static final String ANY = "*";

    private static final Set<String> VERBS = Set.of(
            "CONNECT",
            "EHLO",
            "HELO",
            "STARTTLS",
            "AUTH",
            "MAIL",
            "RCPT",
            "DATA",
            "BDAT",
            "DOT",
            "RSET",
            "NOOP",
            "QUIT");
    /** What {@link #offerChunking()} offers after STARTTLS. */
    private static final String CHUNKING = "250-scripted.example\r\n250-PIPELINING\r\n250-CHUNKING\r\n"
            + "250-AUTH PLAIN LOGIN\r\n250-8BITMIME\r\n250 SIZE 52428800";

    private final ServerSocket server;
    private final SSLContext tls;
    private final Map<String, Function<Command, Reply>> rules = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
    private final List<Command> commands = new CopyOnWriteArrayList<>();
    private final List<byte[]> payloads = new CopyOnWriteArrayList<>();
    private final List<byte[]> accepted = new CopyOnWriteArrayList<>();
    private final List<byte[]> chunked = new CopyOnWriteArrayList<>();
    private final Map<Command, byte[]> dataOfDots = new ConcurrentHashMap<>();
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile String extensions =
            "250-scripted.example\r\n250-PIPELINING\r\n250-AUTH PLAIN LOGIN\r\n" + "250-8BITMIME\r\n250 SIZE 52428800";

    public ScriptedRelay() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        tls = TestRelay.sslContext(TestRelay.Certificate.TRUSTED);
        Thread acceptor = new Thread(this::accept, "scripted-relay");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /**
     * Replaces the reply to a verb ({@code CONNECT} for the greeting, {@code EHLO}, {@code STARTTLS}, {@code AUTH},
     * {@code MAIL}, {@code RCPT}, {@code DATA}, {@code DOT} for the end of the data, {@code RSET}, {@code NOOP}),
     * or of every line that is not a command ({@link #ANY}: the lines of an AUTH exchange, for one). Returning
     * {@code null} keeps the default.
     */
    public ScriptedRelay on(String verb, Function<Command, Reply> rule) {
        rules.put(verb, rule);
        return this;
    }

    /** The EHLO reply after STARTTLS (the one before only offers STARTTLS). */
    public ScriptedRelay extensions(String ehloReply) {
        extensions = ehloReply;
        return this;
    }

    /** Offers PIPELINING and CHUNKING after STARTTLS, as Postfix, Exchange Online and Gmail do. */
    public ScriptedRelay offerChunking() {
        return extensions(CHUNKING);
    }

    public List<Command> commands() {
        return List.copyOf(commands);
    }

    /** The DATA payloads exactly as received, up to and including the final {@code CRLF.CRLF}. */
    public List<byte[]> payloads() {
        return List.copyOf(payloads);
    }

    /** The payload that the given end of data ({@code DOT}) ended: the one of its own connection. */
    public byte[] payloadEndedBy(Command dot) {
        return dataOfDots.get(dot);
    }

    /**
     * The messages that came with BDAT, each the bytes of its chunks up to and including the one marked LAST, exactly
     * as counted; nothing is unstuffed or added.
     */
    public List<byte[]> chunkedMessages() {
        return List.copyOf(chunked);
    }

    /**
     * The payloads (DATA) and messages (BDAT) the relay took: answered with 2xx at the end of data or to BDAT LAST,
     * or kept while the connection was dropped before the answer (the relay has the message; the client cannot
     * know).
     */
    public List<byte[]> accepted() {
        return List.copyOf(accepted);
    }

    public int connections() {
        return connections.get();
    }

    /** How many times the server saw this verb. */
    public int count(String verb) {
        return (int) commands.stream().filter(c -> c.verb().equals(verb)).count();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                open.add(socket);
                int index = connections.incrementAndGet();
                Thread t = new Thread(() -> converse(socket, index), "scripted-relay-" + index);
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void converse(Socket plain, int connection) {
        Socket socket = plain;
        boolean secure = false;
        try {
            if (!answer(
                    socket,
                    decide(
                            new Command("", "CONNECT", connection, next("CONNECT"), false, false),
                            reply("220 scripted.example ESMTP")))) {
                return;
            }
            ByteArrayOutputStream chunks = new ByteArrayOutputStream();
            Line held = null;
            while (true) {
                String line = readLine(socket.getInputStream());
                if (line == null) {
                    return;
                }
                if (held != null) {
                    answer(socket, held);
                    held = null;
                }
                String verb = line.split(" ", 2)[0].toUpperCase(Locale.ROOT);
                Command command = new Command(
                        line,
                        verb,
                        connection,
                        next(verb),
                        secure,
                        socket.getInputStream().available() > 0);
                commands.add(command);
                Reply fallback = defaultReply(verb, secure);
                Reply reply = decide(command, fallback);
                if (reply instanceof DropDuringData) {
                    if (verb.equals("DATA")) {
                        answer(socket, reply("354 End data with <CR><LF>.<CR><LF>"));
                    }
                    socket.getInputStream().readNBytes(16);
                    // reset, not closed: closing the TLS socket may read the rest of the message while it waits for
                    // the client's close_notify, and the client would then have handed over all of it
                    plain.setSoLinger(true, 0);
                    plain.close();
                    return;
                }
                if (verb.equals("BDAT")) {
                    String[] words = line.split(" ");
                    byte[] chunk = socket.getInputStream().readNBytes(Integer.parseInt(words[1]));
                    if (chunk.length < Integer.parseInt(words[1])) {
                        return;
                    }
                    chunks.write(chunk);
                    if (words.length > 2 && words[2].equalsIgnoreCase("LAST")) {
                        byte[] message = chunks.toByteArray();
                        chunks.reset();
                        chunked.add(message);
                        if (opens(reply, "2") || reply instanceof Drop || reply instanceof BrokenTls) {
                            accepted.add(message);
                        }
                    }
                }
                if (verb.equals("DATA") && opens(reply, "354")) {
                    answer(socket, reply);
                    byte[] payload = readData(socket.getInputStream());
                    if (payload == null) {
                        return;
                    }
                    payloads.add(payload);
                    Command dot = new Command(".", "DOT", connection, next("DOT"), secure, false);
                    dataOfDots.put(dot, payload);
                    reply = decide(dot, reply("250 2.0.0 queued"));
                    if (opens(reply, "2") || reply instanceof Drop || reply instanceof BrokenTls) {
                        accepted.add(payload);
                    }
                }
                if (reply instanceof Deferred deferred) {
                    held = deferred.reply();
                    continue;
                }
                if (reply instanceof Reset) {
                    plain.setSoLinger(true, 0);
                    plain.close();
                    return;
                }
                if (reply instanceof BrokenTls) {
                    // an application-data record whose authentication tag cannot match, written under the TLS layer
                    byte[] record = new byte[5 + 32];
                    System.arraycopy(new byte[] {0x17, 0x03, 0x03, 0x00, 0x20}, 0, record, 0, 5);
                    plain.getOutputStream().write(record);
                    plain.getOutputStream().flush();
                    return;
                }
                if (!answer(socket, reply)) {
                    return;
                }
                if (verb.equals("STARTTLS") && opens(reply, "220")) {
                    SSLSocket upgraded = (SSLSocket)
                            tls.getSocketFactory().createSocket(socket, "localhost", socket.getPort(), true);
                    upgraded.setUseClientMode(false);
                    upgraded.startHandshake();
                    socket = upgraded;
                    secure = true;
                }
                if (verb.equals("QUIT")) {
                    return;
                }
            }
        } catch (IOException e) {
            // the client went away or the handshake failed: the conversation is over
        } finally {
            try {
                socket.close();
            } catch (IOException e) {
                // closing
            }
        }
    }

    private static boolean opens(Reply reply, String code) {
        if (reply instanceof Deferred deferred) {
            return opens(deferred.reply(), code);
        }
        return reply instanceof Line line
                ? line.text().startsWith(code)
                : reply instanceof Raw raw && new String(raw.bytes(), StandardCharsets.ISO_8859_1).startsWith(code);
    }

    private int next(String verb) {
        return seen.computeIfAbsent(verb, v -> new AtomicInteger()).getAndIncrement();
    }

    private Reply decide(Command command, Reply fallback) {
        Function<Command, Reply> rule =
                rules.getOrDefault(command.verb(), VERBS.contains(command.verb()) ? null : rules.get(ANY));
        Reply reply = rule == null ? null : rule.apply(command);
        return reply == null ? fallback : reply;
    }

    private Reply defaultReply(String verb, boolean secure) {
        return switch (verb) {
            case "EHLO" -> reply(secure ? extensions : "250-scripted.example\r\n250 STARTTLS");
            case "HELO" -> reply("250 scripted.example");
            case "STARTTLS" -> reply("220 2.0.0 Ready to start TLS");
            case "AUTH" -> reply("235 2.7.0 Authentication successful");
            case "MAIL", "RCPT", "RSET", "NOOP" -> reply("250 2.0.0 OK");
            case "DATA" -> reply("354 End data with <CR><LF>.<CR><LF>");
            case "BDAT" -> reply("250 2.0.0 Ok: queued");
            case "QUIT" -> reply("221 2.0.0 Bye");
            default -> reply("500 5.5.1 Unknown command");
        };
    }

    /** Writes the reply; false when the conversation ends here. */
    private static boolean answer(Socket socket, Reply reply) throws IOException {
        if (reply instanceof Drop) {
            socket.close();
            return false;
        }
        if (reply instanceof Silence) {
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return false;
        }
        OutputStream out = socket.getOutputStream();
        out.write(
                reply instanceof Raw raw
                        ? raw.bytes()
                        : (((Line) reply).text() + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        return true;
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int previous = -1;
        for (int c = in.read(); c >= 0; c = in.read()) {
            if (previous == '\r' && c == '\n') {
                byte[] bytes = line.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.ISO_8859_1);
            }
            line.write(c);
            previous = c;
        }
        return null;
    }

    /** Reads DATA up to and including CRLF.CRLF (or a lone ".CRLF" for empty data), exactly as sent. */
    private static byte[] readData(InputStream in) throws IOException {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        long last = 0;
        for (int c = in.read(); c >= 0; c = in.read()) {
            data.write(c);
            last = (last << 8 | c) & 0xFF_FFFF_FFFFL;
            if (last == 0x0D_0A_2E_0D_0AL || (data.size() == 3 && (last & 0xFF_FFFF) == 0x2E_0D_0A)) {
                return data.toByteArray();
            }
        }
        return null;
    }

    /** Every command line the server received, in order. */
    public List<String> transcript() {
        List<String> lines = new ArrayList<>();
        commands.forEach(c -> lines.add(c.line()));
        return lines;
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : open) {
            socket.close();
        }
    }
}
