package dev.relaymail.config;

import java.time.Duration;
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
    private static final SdkHttpClient HTTP = UrlConnectionHttpClient.create();

    private AwsClients() {
    }

    public static <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C build(B builder) {
        return builder.httpClient(HTTP)
                .overrideConfiguration(c -> c.apiCallAttemptTimeout(Duration.ofSeconds(2))
                        .apiCallTimeout(Duration.ofSeconds(5)))
                .build();
    }
}
