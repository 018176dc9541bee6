package dev.relaymail.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/** The function's Signature Version 4 against the AWS SDK's own signer, on the requests the function makes. */
class SigV4Test {
    private static final Instant NOW = Instant.parse("2026-11-26T15:04:19Z");

    record Case(String endpoint, String region, SigV4.Keys keys, String body, String service, String target) {}

    static List<Case> requests() {
        SigV4.Keys temporary = new SigV4.Keys(
                "ASIAEXAMPLEKEYID",
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                "IQoJb3JpZ2luX2VjEXAMPLE/token+with=symbols");
        SigV4.Keys longTerm = new SigV4.Keys("AKIAEXAMPLEKEYID", "another/secret+key", null);
        return List.of(
                new Case(
                        "https://secretsmanager.eu-central-1.amazonaws.com/",
                        "eu-central-1",
                        temporary,
                        "{\"SecretId\":\"relaymail/smtp\"}",
                        "secretsmanager",
                        "secretsmanager.GetSecretValue"),
                new Case(
                        "https://dynamodb.eu-central-1.amazonaws.com/",
                        "eu-central-1",
                        temporary,
                        "{\"TableName\":\"t\",\"Key\":{\"id\":{\"S\":\"k\"}}}",
                        "dynamodb",
                        "DynamoDB_20120810.GetItem"),
                new Case(
                        "https://secretsmanager.cn-north-1.amazonaws.com.cn/",
                        "cn-north-1",
                        longTerm,
                        "{\"SecretId\":\"arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:smtp-AbCdEf\"}",
                        "secretsmanager",
                        "secretsmanager.GetSecretValue"),
                new Case(
                        "http://127.0.0.1:5123/",
                        "us-east-1",
                        temporary,
                        "{\"SecretId\":\"caf\u00e9 \\\"quoted\\\"\"}",
                        "secretsmanager",
                        "secretsmanager.GetSecretValue"));
    }

    @ParameterizedTest
    @MethodSource("requests")
    void signsAsTheAwsSdkDoes(Case request) {
        byte[] body = request.body().getBytes(StandardCharsets.UTF_8);
        SdkHttpRequest sdkSigned = sdkSign(request, body);
        Map<String, String> headers = new LinkedHashMap<>();
        sdkSigned.headers().forEach((name, values) -> {
            if (!name.equalsIgnoreCase("Authorization")) {
                headers.put(name, values.get(0));
            }
        });

        String ours = SigV4.authorization("POST", headers, body, request.keys(), request.region(), request.service());

        assertEquals(sdkSigned.firstMatchingHeader("Authorization").orElseThrow(), ours);
    }

    @ParameterizedTest
    @MethodSource("requests")
    void aChangedBodyOrSecretKeyChangesTheSignature(Case request) {
        byte[] body = request.body().getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers =
                Map.of("host", URI.create(request.endpoint()).getAuthority(), SigV4.DATE_HEADER, SigV4.amzDate(NOW));
        String signature = SigV4.authorization("POST", headers, body, request.keys(), request.region(), "x");

        assertNotEquals(
                signature,
                SigV4.authorization(
                        "POST",
                        headers,
                        (request.body() + " ").getBytes(StandardCharsets.UTF_8),
                        request.keys(),
                        request.region(),
                        "x"));
        assertNotEquals(
                signature,
                SigV4.authorization(
                        "POST",
                        headers,
                        body,
                        new SigV4.Keys(
                                request.keys().accessKeyId(), request.keys().secretAccessKey() + "x", null),
                        request.region(),
                        "x"));
        assertFalse(signature.contains(request.keys().secretAccessKey()));
        assertFalse(request.keys().toString().contains(request.keys().secretAccessKey()));
    }

    private static SdkHttpRequest sdkSign(Case request, byte[] body) {
        SigV4.Keys keys = request.keys();
        AwsCredentialsIdentity identity = keys.sessionToken() == null
                ? AwsCredentialsIdentity.create(keys.accessKeyId(), keys.secretAccessKey())
                : AwsSessionCredentialsIdentity.create(keys.accessKeyId(), keys.secretAccessKey(), keys.sessionToken());
        SdkHttpRequest unsigned = SdkHttpRequest.builder()
                .method(SdkHttpMethod.POST)
                .uri(URI.create(request.endpoint()))
                .putHeader("Content-Type", "application/x-amz-json-1.1")
                .putHeader("X-Amz-Target", request.target())
                .build();
        SignedRequest signed = AwsV4HttpSigner.create()
                .sign(r -> r.identity(identity)
                        .request(unsigned)
                        .payload(ContentStreamProvider.fromByteArray(body))
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, request.service())
                        .putProperty(AwsV4HttpSigner.REGION_NAME, request.region())
                        .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(NOW, ZoneOffset.UTC)));
        return signed.request();
    }
}
