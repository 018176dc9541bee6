package dev.relaymail;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.relaymail.testing.Await;
import dev.relaymail.testing.Harness;
import dev.relaymail.testing.TestRelay;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The self-contained package of {@code Runtime=jdk25-aot}, built by the Makefile target {@code sam build} runs for
 * it, and started as Lambda's {@code provided.al2023} starts it: its {@code bootstrap}, with Lambda's variables,
 * against a Runtime API served here. The bundled JDK must use the AOT cache ({@code -XX:AOTMode=on} makes a cache it
 * cannot use an error), and the real runtime interface client must hand the event to the handler, which reads the
 * secret from moto_server and sends through the test relay with STARTTLS and AUTH.
 */
class BootstrapIT {
    private static final Path PACKAGE = Path.of("target", "jdk25-aot");
    /** What the function wrote, for when it does not answer. */
    private static final Path LOG = Path.of("target", "bootstrap-it.log");

    @BeforeAll
    static void buildThePackage() throws IOException, InterruptedException {
        if (Files.exists(PACKAGE)) {
            try (Stream<Path> old = Files.walk(PACKAGE)) {
                old.sorted(Comparator.reverseOrder())
                        .forEach(path -> path.toFile().delete());
            }
        }
        Process make = new ProcessBuilder("make", "package-jdk25-aot", "ARTIFACTS_DIR=" + PACKAGE)
                .redirectErrorStream(true)
                .start();
        String out = new String(make.getInputStream().readAllBytes(), UTF_8);
        assertEquals(0, make.waitFor(), out);
    }

    @Test
    void theBootstrapServesAnInvocationThroughTheRuntimeInterfaceClientFromItsAotCache() throws Exception {
        JsonNode event = Harness.httpApiEvent(Harness.message("ann@example.org", "Started by the bootstrap"));
        try (Harness harness = new Harness();
                RuntimeApi api = new RuntimeApi(event.toString().getBytes(UTF_8))) {
            ProcessBuilder bootstrap = new ProcessBuilder(
                            PACKAGE.resolve("bootstrap").toAbsolutePath().toString())
                    .redirectErrorStream(true)
                    .redirectOutput(LOG.toFile());
            Map<String, String> env = bootstrap.environment();
            env.putAll(harness.env);
            env.put("AWS_LAMBDA_RUNTIME_API", api.address());
            env.put("LAMBDA_TASK_ROOT", PACKAGE.toAbsolutePath().toString());
            env.put("_HANDLER", "dev.relaymail.MailHandler::handleRequest");
            env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024");
            env.put(
                    "JAVA_TOOL_OPTIONS",
                    "-XX:AOTMode=on -XX:+UseSerialGC -XX:TieredStopAtLevel=1"
                            + " -Djavax.net.ssl.trustStore=" + System.getProperty("javax.net.ssl.trustStore")
                            + " -Djavax.net.ssl.trustStorePassword=changeit -Djavax.net.ssl.trustStoreType=PKCS12");
            Process function = bootstrap.start();
            try {
                String answer;
                try {
                    answer = api.answer.get(Await.BOUND.toSeconds(), TimeUnit.SECONDS);
                } catch (TimeoutException e) {
                    throw new AssertionError("no answer; the function wrote:\n" + Files.readString(LOG), e);
                }
                assertEquals(
                        202, Harness.JSON.readTree(answer).path("statusCode").asInt(), answer);
            } finally {
                function.destroy();
                function.waitFor();
            }
            List<TestRelay.Received> received = harness.relay.received();
            assertEquals(1, received.size());
            assertTrue(new String(received.get(0).data(), UTF_8).contains("Subject: Started by the bootstrap"));
        }
    }

    /**
     * Lambda's Runtime API for one invocation: hands out the event, keeps the answer, and holds the next request
     * open, as Lambda freezes the process there.
     */
    private static final class RuntimeApi implements AutoCloseable {
        private static final String BASE = "/2018-06-01/runtime/invocation/";
        final CompletableFuture<String> answer = new CompletableFuture<>();
        private final HttpServer server;
        private final CountDownLatch closed = new CountDownLatch(1);
        private boolean served;

        RuntimeApi(byte[] event) throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.setExecutor(Executors.newCachedThreadPool());
            server.createContext(BASE, exchange -> {
                try (exchange) {
                    String path = exchange.getRequestURI().getPath();
                    if (path.equals(BASE + "next")) {
                        next(exchange, event);
                    } else {
                        String body = new String(exchange.getRequestBody().readAllBytes(), UTF_8);
                        exchange.sendResponseHeaders(202, -1);
                        answer.complete(path.endsWith("/response") ? body : "error at " + path + ": " + body);
                    }
                }
            });
            server.start();
        }

        private void next(HttpExchange exchange, byte[] event) throws IOException {
            synchronized (this) {
                if (served) {
                    try {
                        closed.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return;
                }
                served = true;
            }
            exchange.getResponseHeaders().add("Lambda-Runtime-Aws-Request-Id", "bootstrap-it-1");
            exchange.getResponseHeaders()
                    .add("Lambda-Runtime-Deadline-Ms", Long.toString(System.currentTimeMillis() + 25_000));
            exchange.getResponseHeaders()
                    .add(
                            "Lambda-Runtime-Invoked-Function-Arn",
                            "arn:aws:lambda:eu-central-1:123456789012:function:relaymail");
            // the client's native part reads every one of these headers
            exchange.getResponseHeaders()
                    .add("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0");
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, event.length);
            exchange.getResponseBody().write(event);
        }

        String address() {
            return "127.0.0.1:" + server.getAddress().getPort();
        }

        @Override
        public void close() {
            closed.countDown();
            server.stop(0);
        }
    }
}
