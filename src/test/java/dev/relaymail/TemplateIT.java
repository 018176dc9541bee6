package dev.relaymail;

import static dev.relaymail.Harness.JSON;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What template.yaml promises, read with cfn-lint's own template decoder: the API is not public, the functions get
 * nothing beyond their secret and their queue, and the timeouts fit each other.
 */
class TemplateIT {
    private static JsonNode template;

    @BeforeAll
    static void decode() throws IOException, InterruptedException {
        Process python = new ProcessBuilder("python3", "-c",
                "import json; from cfnlint.decode import decode; t, m = decode('template.yaml'); "
                        + "assert not m, m; print(json.dumps(t, default=str))")
                .redirectErrorStream(true).start();
        String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, python.waitFor(), out);
        template = JSON.readTree(out);
    }

    static JsonNode resource(String name) {
        return template.path("Resources").path(name).path("Properties");
    }

    @Test
    void theSendRouteUsesIamUnlessJwtIsChosen() {
        assertEquals("IAM", template.at("/Parameters/ApiAuthorization/Default").asText());
        JsonNode route = resource("MailApiSendRoute");
        assertEquals("POST /messages", route.path("RouteKey").asText());
        assertEquals(JSON.createArrayNode().add("UseJwt").add("JWT").add("AWS_IAM"),
                route.path("AuthorizationType").path("Fn::If"));
        assertEquals(1, template.path("Resources").properties().stream()
                .filter(r -> r.getValue().path("Type").asText().equals("AWS::ApiGatewayV2::Route")).count(),
                "no other, unprotected route");
    }

    @Test
    void theApiIsThrottled() {
        JsonNode settings = resource("MailApiStage").path("DefaultRouteSettings");
        assertTrue(settings.path("ThrottlingRateLimit").asInt() > 0);
        assertTrue(settings.path("ThrottlingBurstLimit").asInt() > 0);
    }

    @Test
    void functionsGetOnlyTheirSecretAndTheirQueue() {
        for (String function : List.of("MailApiFunction", "MailQueueFunction")) {
            List<String> grants = new ArrayList<>();
            for (JsonNode policy : resource(function).path("Policies")) {
                if (policy.has("AWSSecretsManagerGetSecretValuePolicy")) {
                    assertEquals("SmtpSecretArn", policy.at("/AWSSecretsManagerGetSecretValuePolicy/SecretArn/Ref")
                            .asText());
                    grants.add("secret");
                } else if (policy.has("SQSSendMessagePolicy")) {
                    assertEquals("MailDeadLetterQueue", policy.at("/SQSSendMessagePolicy/QueueName/Fn::GetAtt/0")
                            .asText());
                    grants.add("dead-letter queue");
                } else if (policy.has("Statement")) {
                    JsonNode statement = policy.at("/Statement/0");
                    assertEquals(JSON.createArrayNode().add("dynamodb:GetItem").add("dynamodb:PutItem")
                            .add("dynamodb:UpdateItem").add("dynamodb:DeleteItem"), statement.path("Action"));
                    assertEquals("IdempotencyTable", statement.at("/Resource/Fn::GetAtt/0").asText());
                    grants.add("idempotency table");
                } else {
                    JsonNode statement = policy.at("/Fn::If/1/Statement/0");
                    assertEquals("kms:Decrypt", statement.path("Action").asText());
                    assertEquals("SmtpSecretKmsKeyArn", statement.at("/Resource/Ref").asText());
                    assertTrue(statement.at("/Condition/StringEquals/kms:ViaService").isObject());
                    grants.add("key, through Secrets Manager");
                }
            }
            assertEquals(function.equals("MailApiFunction")
                    ? List.of("secret", "idempotency table", "key, through Secrets Manager")
                    : List.of("secret", "dead-letter queue", "idempotency table", "key, through Secrets Manager"),
                    grants, function);
        }
    }

    @Test
    void theIdempotencyTableExpiresItsRecords() {
        JsonNode table = resource("IdempotencyTable");
        assertEquals("id", table.at("/KeySchema/0/AttributeName").asText());
        assertEquals("expiresAt", table.at("/TimeToLiveSpecification/AttributeName").asText());
        assertTrue(table.at("/TimeToLiveSpecification/Enabled").asBoolean());
        assertEquals("IdempotencyTable", template.at("/Globals/Function/Environment/Variables/IDEMPOTENCY_TABLE/Ref")
                .asText());
    }

    @Test
    void timeoutsFitEachOther() {
        int queueFunction = resource("MailQueueFunction").path("Timeout").asInt();
        assertTrue(resource("MailQueue").path("VisibilityTimeout").asInt() >= 6 * queueFunction);
        assertTrue(resource("MailApiFunction").path("Timeout").asInt() * 1000
                < resource("MailApiIntegration").path("TimeoutInMillis").asInt());
        JsonNode queue = resource("MailQueueFunction").at("/Events/Queue/Properties");
        assertTrue(queue.path("FunctionResponseTypes").toString().contains("ReportBatchItemFailures"));
        assertTrue(resource("MailQueue").at("/RedrivePolicy/maxReceiveCount").asInt() > 0);
        assertEquals("dev.relaymail.MailHandler::handleRequest",
                template.at("/Globals/Function/Handler").asText());
    }

    @Test
    void everyVariableTheTemplateSetsIsOneTheFunctionReads() {
        Set<String> known = Set.of("SMTP_HOST", "SMTP_PORT", "SMTP_TLS", "SMTP_SECRET_ID", "DEFAULT_FROM",
                "ALLOWED_FROM", "MAX_RECIPIENTS", "MAX_MESSAGE_BYTES", "SMTP_CONNECT_TIMEOUT_MS", "SMTP_TIMEOUT_MS",
                "DEAD_LETTER_QUEUE_URL", "IDEMPOTENCY_TABLE", "IDEMPOTENCY_TTL_SECONDS", "BLOCKED_ATTACHMENTS", "SMTP_CONNECTIONS", "LOG_LEVEL", "JAVA_TOOL_OPTIONS");
        List<String> set = new ArrayList<>();
        template.at("/Globals/Function/Environment/Variables").fieldNames().forEachRemaining(set::add);
        resource("MailQueueFunction").at("/Environment/Variables").fieldNames().forEachRemaining(set::add);
        resource("MailApiFunction").at("/Environment/Variables").fieldNames().forEachRemaining(set::add);
        for (String name : set) {
            assertTrue(known.contains(name), name);
        }
    }
}
