package dev.relaymail.aws;

import java.time.Duration;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

/**
 * How the function's AWS clients are built: on the light URL-connection HTTP client (shared), with short timeouts
 * so that an AWS call never takes the invocation's whole budget. Region, endpoint ({@code AWS_ENDPOINT_URL} and the
 * service-specific variables) and credentials come from the SDK's standard settings.
 */
public final class AwsClients {
    /** The longest an AWS call may take, retries included; a call can shorten it to the invocation's time left. */
    public static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);
    /** The longest one attempt of an AWS call may take. */
    public static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(2);

    private static final Supplier<SdkHttpClient> HTTP_CLIENT = once(UrlConnectionHttpClient::create);

    private AwsClients() {}

    public static <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C build(B builder) {
        return builder.httpClient(HTTP_CLIENT.get())
                .overrideConfiguration(
                        c -> c.apiCallAttemptTimeout(ATTEMPT_TIMEOUT).apiCallTimeout(CALL_TIMEOUT))
                .build();
    }

    /**
     * A client built on first use: building one loads a large part of the SDK, a cost a function should pay only
     * when, and where, it needs the client (the cold-start floor rows of bench/README.md).
     */
    public static <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> Supplier<C> lazy(
            Supplier<B> builder) {
        return once(() -> build(builder.get()));
    }

    /** The factory's value, made on the first call and kept. */
    private static <T> Supplier<T> once(Supplier<T> factory) {
        return new Supplier<>() {
            private T value;

            @Override
            public synchronized T get() {
                if (value == null) {
                    value = factory.get();
                }
                return value;
            }
        };
    }
}
