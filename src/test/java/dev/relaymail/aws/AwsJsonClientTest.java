package dev.relaymail.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Where the function's own signed calls go, and where they leave the call to the AWS SDK. */
class AwsJsonClientTest {
    /** What Lambda gives a function without SnapStart. */
    private static Map<String, String> lambda(String region) {
        Map<String, String> env = new HashMap<>();
        env.put("AWS_ACCESS_KEY_ID", "ASIAEXAMPLE");
        env.put("AWS_SECRET_ACCESS_KEY", "secret");
        env.put("AWS_SESSION_TOKEN", "token");
        env.put("AWS_REGION", region);
        return env;
    }

    private static Optional<String> endpoint(Map<String, String> env) {
        return AwsJsonClient.fromEnvironment(env, AwsJsonClient.Service.SECRETS_MANAGER)
                .map(client -> client.endpoint().toString());
    }

    @ParameterizedTest
    @CsvSource({
        "eu-central-1, https://secretsmanager.eu-central-1.amazonaws.com/",
        "us-east-1, https://secretsmanager.us-east-1.amazonaws.com/",
        "ap-southeast-4, https://secretsmanager.ap-southeast-4.amazonaws.com/",
        "il-central-1, https://secretsmanager.il-central-1.amazonaws.com/",
        "us-gov-west-1, https://secretsmanager.us-gov-west-1.amazonaws.com/",
        "cn-northwest-1, https://secretsmanager.cn-northwest-1.amazonaws.com.cn/"
    })
    void usesTheRegionsHttpsEndpointOnLambda(String region, String expected) {
        assertEquals(Optional.of(expected), endpoint(lambda(region)));
    }

    @ParameterizedTest
    @CsvSource({"us-iso-east-1", "us-isob-east-1", "eu-isoe-west-1", "eusc-de-east-1", "''", "EU-CENTRAL-1"})
    void leavesRegionsOfOtherPartitionsToTheSdk(String region) {
        assertEquals(Optional.empty(), endpoint(lambda(region)));
    }

    @Test
    void anEndpointSetForSecretsManagerWinsOverTheGeneralOne() {
        Map<String, String> env = lambda("eu-central-1");
        env.put("AWS_ENDPOINT_URL", "http://127.0.0.1:5123");
        assertEquals(Optional.of("http://127.0.0.1:5123/"), endpoint(env));
        env.put("AWS_ENDPOINT_URL_SECRETS_MANAGER", "https://vpce-1.secretsmanager.eu-central-1.vpce.amazonaws.com/");
        assertEquals(Optional.of("https://vpce-1.secretsmanager.eu-central-1.vpce.amazonaws.com/"), endpoint(env));
        env.put("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true");
        assertEquals(Optional.of("https://secretsmanager.eu-central-1.amazonaws.com/"), endpoint(env));
    }

    @ParameterizedTest
    @CsvSource({
        "AWS_ENDPOINT_URL, http://127.0.0.1:5123/prefix",
        "AWS_ENDPOINT_URL, http://127.0.0.1:5123/?x=1",
        "AWS_ENDPOINT_URL, ftp://127.0.0.1",
        "AWS_ENDPOINT_URL, not a url",
        "AWS_USE_FIPS_ENDPOINT, true",
        "AWS_USE_DUALSTACK_ENDPOINT, TRUE",
        "AWS_ACCESS_KEY_ID, ''",
        "AWS_SECRET_ACCESS_KEY, ' '"
    })
    void leavesWhatOnlyTheSdkUnderstandsToTheSdk(String name, String value) {
        Map<String, String> env = lambda("eu-central-1");
        env.put(name, value);
        assertEquals(Optional.empty(), endpoint(env));
    }

    @Test
    void eachServiceHasItsOwnEndpointAndVariable() {
        Map<String, String> env = lambda("eu-west-1");
        assertEquals(
                Optional.of("https://dynamodb.eu-west-1.amazonaws.com/"),
                AwsJsonClient.fromEnvironment(env, AwsJsonClient.Service.DYNAMODB)
                        .map(client -> client.endpoint().toString()));
        env.put("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000");
        assertEquals(
                Optional.of("http://127.0.0.1:8000/"),
                AwsJsonClient.fromEnvironment(env, AwsJsonClient.Service.DYNAMODB)
                        .map(client -> client.endpoint().toString()));
        assertEquals(Optional.of("https://secretsmanager.eu-west-1.amazonaws.com/"), endpoint(env));
    }

    @Test
    void longTermKeysNeedNoSessionToken() {
        Map<String, String> env = lambda("eu-central-1");
        env.remove("AWS_SESSION_TOKEN");
        assertTrue(AwsJsonClient.fromEnvironment(env, AwsJsonClient.Service.SECRETS_MANAGER)
                .isPresent());
    }
}
