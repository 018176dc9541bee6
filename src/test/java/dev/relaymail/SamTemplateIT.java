package dev.relaymail;

import static dev.relaymail.testing.Harness.JSON;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relaymail.config.Config;
import dev.relaymail.config.ConfigException;
import dev.relaymail.relay.RelayAddress;
import dev.relaymail.sqs.QueueSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What template.yaml promises, read with cfn-lint's own template decoder (and, for the roles, after cfn-lint's SAM
 * transform): the API is not public, the functions get nothing beyond their secret and their queues, the timeouts fit
 * each other, and the relay parameters refuse the ports the function would refuse at start.
 */
class SamTemplateIT {
    private static JsonNode template;
    /** The template as CloudFormation receives it after SAM's transform: with the roles SAM generates. */
    private static JsonNode transformed;

    @BeforeAll
    static void decode() throws IOException, InterruptedException {
        template = python("out = t");
        transformed = python("cfn = Template('template.yaml', t, ['us-east-1']); e = cfn.transform(); "
                + "assert not e, e; out = cfn.template");
    }

    /** Runs the script on the decoded template {@code t}; it leaves what to print as JSON in {@code out}. */
    private static JsonNode python(String script) throws IOException, InterruptedException {
        Process python = new ProcessBuilder(
                        "python3",
                        "-c",
                        "import json; from cfnlint.decode import decode; from cfnlint.template import Template; "
                                + "t, m = decode('template.yaml'); assert not m, m; " + script + "; "
                                + "print(json.dumps(out, default=str))")
                .redirectErrorStream(true)
                .start();
        String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, python.waitFor(), out);
        return JSON.readTree(out);
    }

    static JsonNode resource(String name) {
        return template.path("Resources").path(name).path("Properties");
    }

    @Test
    void theSendRoutesUseIamUnlessJwtIsChosen() {
        assertEquals("IAM", template.at("/Parameters/ApiAuthorization/Default").asText());
        List<String> routeKeys = new ArrayList<>();
        template.path("Resources").properties().stream()
                .filter(r -> r.getValue().path("Type").asText().equals("AWS::ApiGatewayV2::Route"))
                .forEach(r -> {
                    JsonNode route = r.getValue().path("Properties");
                    routeKeys.add(route.path("RouteKey").asText());
                    assertEquals(
                            JSON.createArrayNode().add("UseJwt").add("JWT").add("AWS_IAM"),
                            route.path("AuthorizationType").path("Fn::If"),
                            r.getKey());
                });
        assertEquals(List.of("POST /messages", "POST /messages/batch"), routeKeys, "no other, unprotected route");
    }

    @Test
    void theApiIsThrottled() {
        JsonNode settings = resource("MailApiStage").path("DefaultRouteSettings");
        assertTrue(settings.path("ThrottlingRateLimit").asInt() > 0);
        assertTrue(settings.path("ThrottlingBurstLimit").asInt() > 0);
    }

    /**
     * The API function's role, written out: SAM's would get AWSLambdaBasicExecutionRole, which creates and writes any
     * log group. It writes its function's log group and has the sending policy, nothing else.
     */
    @Test
    void theApiFunctionsRoleWritesItsLogGroupAndSendsOnly() throws IOException {
        JsonNode role = roleOf("MailApiFunction");
        assertTrustsLambdaOnly(role);
        assertEquals(JSON.readTree("[{\"Ref\": \"MailSendingPolicy\"}]"), role.path("ManagedPolicyArns"));
        JsonNode logs = logGroupOf("MailApiFunction");
        assertEquals(Map.of("logs:CreateLogStream", List.of(logs), "logs:PutLogEvents", List.of(logs)), grants(role));
    }

    /**
     * With its SQS event, SAM's role for the queue function would also get AWSLambdaSQSQueueExecutionRole: receive,
     * delete and read attributes on every queue in the account. Its own role writes its log group, has the event source
     * mapping's three actions on the mail queue, sqs:ChangeMessageVisibility there (when a reported record comes back),
     * sqs:SendMessage (the one call the code makes, not SendMessageBatch) on the dead-letter queue, and no sqs action
     * anywhere else.
     */
    @Test
    void theQueueFunctionsRoleReachesTheMailQueueAndTheDeadLetterQueueOnly() throws IOException {
        JsonNode role = roleOf("MailQueueFunction");
        assertTrustsLambdaOnly(role);
        assertEquals(
                JSON.readTree("[{\"Ref\": \"MailSendingPolicy\"}]"),
                role.path("ManagedPolicyArns"),
                "sending only: no managed policy with logs on every group or sqs on every queue");
        JsonNode mailQueue = JSON.readTree("{\"Fn::GetAtt\": [\"MailQueue\", \"Arn\"]}");
        JsonNode deadLetterQueue = JSON.readTree("{\"Fn::GetAtt\": [\"MailDeadLetterQueue\", \"Arn\"]}");
        JsonNode logs = logGroupOf("MailQueueFunction");
        assertEquals(
                Map.of(
                        "logs:CreateLogStream", List.of(logs),
                        "logs:PutLogEvents", List.of(logs),
                        "sqs:DeleteMessage", List.of(mailQueue),
                        "sqs:GetQueueAttributes", List.of(mailQueue),
                        "sqs:ReceiveMessage", List.of(mailQueue),
                        "sqs:ChangeMessageVisibility", List.of(mailQueue),
                        "sqs:SendMessage", List.of(deadLetterQueue)),
                grants(role));
    }

    private static void assertTrustsLambdaOnly(JsonNode role) {
        JsonNode trust = role.at("/AssumeRolePolicyDocument/Statement");
        assertEquals(1, trust.size(), trust.toString());
        assertEquals("Allow", trust.at("/0/Effect").asText());
        assertEquals(List.of("Service"), fieldNames(trust.at("/0/Principal")), "Lambda only");
        assertEquals(List.of("lambda.amazonaws.com"), strings(trust.at("/0/Principal/Service")));
        assertEquals(List.of("sts:AssumeRole"), strings(trust.at("/0/Action")));
    }

    /** The role's inline grants: the resources of each action, every statement an Allow with plain lists. */
    private static Map<String, List<JsonNode>> grants(JsonNode role) {
        Map<String, List<JsonNode>> resourcesByAction = new TreeMap<>();
        for (JsonNode policy : role.path("Policies")) {
            for (JsonNode statement : policy.at("/PolicyDocument/Statement")) {
                assertEquals("Allow", statement.path("Effect").asText(), statement.toString());
                assertFalse(statement.has("NotAction") || statement.has("NotResource"), statement.toString());
                for (String action : strings(statement.path("Action"))) {
                    resourcesByAction
                            .computeIfAbsent(action, a -> new ArrayList<>())
                            .add(statement.path("Resource"));
                }
            }
        }
        return resourcesByAction;
    }

    /**
     * The ARN of the log group the function logs to, which must be a group of this template whose name does not
     * depend on the function (else the role that writes it would depend on the function that needs the role).
     */
    private static JsonNode logGroupOf(String function) throws IOException {
        String group = resource(function).at("/LoggingConfig/LogGroup/Ref").asText();
        assertEquals(
                "AWS::Logs::LogGroup",
                template.at("/Resources/" + group + "/Type").asText(),
                function);
        String name = resource(group).at("/LogGroupName/Fn::Sub").asText();
        assertTrue(name.startsWith("/aws/lambda/${AWS::StackName}-"), name);
        assertTrue(resource(group).path("RetentionInDays").asInt() > 0, group + " expires its logs");
        return JSON.readTree("{\"Fn::GetAtt\": [\"" + group + "\", \"Arn\"]}");
    }

    /** A policy element that may be one string or a list of them (SAM writes lists, the template single strings). */
    private static List<String> strings(JsonNode element) {
        List<String> strings = new ArrayList<>();
        (element.isArray() ? element : JSON.createArrayNode().add(element)).forEach(e -> strings.add(e.asText()));
        return strings;
    }

    private static List<String> fieldNames(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /**
     * The properties of the role the function runs with, after SAM's transform: a role of this template that no other
     * resource adds grants to.
     */
    private static JsonNode roleOf(String function) {
        JsonNode role = transformed.at("/Resources/" + function + "/Properties/Role/Fn::GetAtt");
        assertEquals("Arn", role.path(1).asText(), function + "'s Role is a role in this template: " + role);
        String roleName = role.path(0).asText();
        JsonNode resource = transformed.path("Resources").path(roleName);
        assertEquals("AWS::IAM::Role", resource.path("Type").asText());
        transformed
                .path("Resources")
                .properties()
                .forEach(r -> assertFalse(
                        r.getValue().at("/Properties/Roles").toString().contains("\"" + roleName + "\""),
                        r.getKey() + " adds grants to " + function + "'s role"));
        assertTrue(
                resource(function).path("Policies").isMissingNode(),
                "beside a Role, SAM ignores Policies without a word");
        return resource.path("Properties");
    }

    @Test
    void theSendingPolicyReadsOnlyTheSecretTheTableTheTemplatesAndTheAttachmentBuckets() {
        List<String> sids = new ArrayList<>();
        for (JsonNode statement : resource("MailSendingPolicy").at("/PolicyDocument/Statement")) {
            JsonNode grant = statement.has("Fn::If") ? statement.at("/Fn::If/1") : statement;
            sids.add(grant.path("Sid").asText());
            assertEquals("Allow", grant.path("Effect").asText());
            switch (grant.path("Sid").asText()) {
                case "RelaySecret" -> {
                    assertEquals(
                            "secretsmanager:GetSecretValue",
                            grant.path("Action").asText());
                    assertEquals("SmtpSecretArn", grant.at("/Resource/Ref").asText());
                }
                case "RelaySecretKey" -> {
                    assertEquals("HasSecretKmsKey", statement.at("/Fn::If/0").asText());
                    assertEquals("kms:Decrypt", grant.path("Action").asText());
                    assertTrue(
                            grant.at("/Condition/StringEquals/kms:ViaService").isObject());
                    assertEquals(
                            "SmtpSecretArn",
                            grant.at("/Condition/StringEquals/kms:EncryptionContext:SecretARN/Ref")
                                    .asText());
                }
                case "IdempotencyRecords" -> {
                    assertEquals(
                            JSON.createArrayNode()
                                    .add("dynamodb:GetItem")
                                    .add("dynamodb:PutItem")
                                    .add("dynamodb:UpdateItem")
                                    .add("dynamodb:DeleteItem"),
                            grant.path("Action"));
                    assertEquals(
                            "IdempotencyTable",
                            grant.at("/Resource/Fn::GetAtt/0").asText());
                }
                case "ReadTemplates" -> {
                    assertEquals("HasTemplateBucket", statement.at("/Fn::If/0").asText());
                    assertEquals("s3:GetObject", grant.path("Action").asText());
                    assertTrue(grant.at("/Resource/Fn::Sub")
                            .asText()
                            .endsWith(":s3:::${TemplateBucket}/${TemplatePrefix}*"));
                }
                case "ListTemplates" -> {
                    assertEquals("s3:ListBucket", grant.path("Action").asText());
                    assertEquals(
                            "${TemplatePrefix}*",
                            grant.at("/Condition/StringLike/s3:prefix/Fn::Sub").asText());
                }
                case "ReadAttachments" -> {
                    assertEquals(
                            "HasAttachmentBuckets", statement.at("/Fn::If/0").asText());
                    assertEquals("s3:GetObject", grant.path("Action").asText());
                    assertTrue(grant.path("Resource").toString().contains("AttachmentBuckets"));
                }
                case "DeliveryEvents" -> {
                    assertEquals("HasEventBus", statement.at("/Fn::If/0").asText());
                    assertEquals("events:PutEvents", grant.path("Action").asText());
                    assertEquals(
                            "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/${EventBusName}",
                            grant.at("/Resource/Fn::Sub").asText(),
                            "the one bus");
                }
                case "ReadEncryptedObjects" -> {
                    assertEquals("HasStorageKmsKeys", statement.at("/Fn::If/0").asText());
                    assertEquals("kms:Decrypt", grant.path("Action").asText());
                    assertEquals("StorageKmsKeyArns", grant.at("/Resource/Ref").asText());
                    assertEquals(
                            "s3.${AWS::Region}.amazonaws.com",
                            grant.at("/Condition/StringEquals/kms:ViaService/Fn::Sub")
                                    .asText());
                    assertEquals(
                            template.at("/Conditions/HasAttachmentBuckets")
                                    .toString()
                                    .replace("AttachmentBuckets", "StorageKmsKeyArns"),
                            template.at("/Conditions/HasStorageKmsKeys").toString(),
                            "no keys by default");
                }
                default -> throw new AssertionError("unexpected grant " + grant);
            }
        }
        assertEquals(
                List.of(
                        "RelaySecret",
                        "RelaySecretKey",
                        "IdempotencyRecords",
                        "ReadTemplates",
                        "ListTemplates",
                        "ReadAttachments",
                        "DeliveryEvents",
                        "ReadEncryptedObjects"),
                sids);
    }

    /**
     * Evaluates the attachment grant's Fn::Split / Fn::Sub / Fn::Join as CloudFormation would, for two buckets, in
     * each partition's branch.
     */
    @Test
    void theAttachmentGrantNamesEachBucketInEveryPartition() {
        JsonNode branch =
                resource("MailSendingPolicy").at("/PolicyDocument/Statement/5/Fn::If/1/Resource/Fn::Split/1/Fn::If");
        for (String partition : List.of("aws-cn", "aws-us-gov", "aws")) {
            JsonNode sub = branch.at("/1/Fn::Sub");
            if (!partition.equals("aws-cn")) {
                sub = branch.at("/2/Fn::If").at(partition.equals("aws-us-gov") ? "/1/Fn::Sub" : "/2/Fn::Sub");
            }
            String delimiter = sub.at("/1/Buckets/Fn::Join/0").asText();
            assertEquals(
                    "AttachmentBuckets", sub.at("/1/Buckets/Fn::Join/1/Ref").asText());
            String joined = String.join(delimiter, List.of("uploads", "reports"));
            List<String> arns =
                    List.of(sub.at("/0").asText().replace("${Buckets}", joined).split(","));
            assertEquals(
                    List.of("arn:" + partition + ":s3:::uploads/*", "arn:" + partition + ":s3:::reports/*"),
                    arns,
                    partition);
        }
    }

    /** Config refuses a port outside 1..65535 at start; the template refuses it at deploy. */
    @Test
    void relayPortIsEmptyOrAPortFrom1To65535() {
        Predicate<String> allowed = allowedPattern("RelayPort");
        assertTrue(allowed.test(""), "empty: the port RelayTls implies");
        for (String port : List.of("1", "587", "65535")) {
            assertTrue(allowed.test(port), port);
        }
        for (String port : List.of("0", "65536", "99999", "100000", "0587", " 587")) {
            assertFalse(allowed.test(port), port);
        }
        for (int port = 0; port <= 100_000; port++) {
            assertEquals(port >= 1 && port <= 65535, allowed.test(Integer.toString(port)), Integer.toString(port));
        }
    }

    @Test
    void relayHostTakesNamesOrBracketedIpv6AddressesAndPortsFrom1To65535Only() {
        Predicate<String> allowed = allowedPattern("RelayHost");
        for (String hosts : List.of(
                "relay.example.com",
                "relay.example.com:1",
                "relay.example.com:587",
                "primary.example.com:587,backup.example.com:65535",
                "primary.example.com,backup.example.com:2525",
                "[2001:db8::25]",
                "[2001:db8::25]:587,192.0.2.25:2525")) {
            assertTrue(allowed.test(hosts), hosts);
            assertEquals(
                    hosts.split(",").length, RelayAddress.parseList(hosts, 587).size(), "the function takes " + hosts);
        }
        for (String hosts : List.of(
                "",
                "relay.example.com:",
                "relay.example.com:0",
                "relay.example.com:65536",
                "relay.example.com:99999",
                "primary.example.com:587,backup.example.com:65536",
                "relay.example.com,",
                "[2001:db8::25",
                "2001:db8::25]:587",
                "[relay.example.com]:587",
                "[2001:db8::25]:0")) {
            assertFalse(allowed.test(hosts), hosts);
        }
        for (int port = 0; port <= 100_000; port++) {
            boolean inRange = port >= 1 && port <= 65535;
            assertEquals(inRange, allowed.test("relay.example.com:" + port), "first relay :" + port);
            assertEquals(
                    inRange,
                    allowed.test("primary.example.com:587,backup.example.com:" + port),
                    "second relay :" + port);
        }
    }

    /** The parameter's AllowedPattern; find, not matches, so that its own anchors have to refuse anything around. */
    private static Predicate<String> allowedPattern(String parameter) {
        JsonNode pattern = template.path("Parameters").path(parameter).path("AllowedPattern");
        assertTrue(pattern.isTextual(), parameter + " has an AllowedPattern");
        Pattern compiled = Pattern.compile(pattern.asText());
        return value -> compiled.matcher(value).find();
    }

    @Test
    void theIdempotencyTableExpiresItsRecords() {
        JsonNode table = resource("IdempotencyTable");
        assertEquals("id", table.at("/KeySchema/0/AttributeName").asText());
        assertEquals(
                "expiresAt", table.at("/TimeToLiveSpecification/AttributeName").asText());
        assertTrue(table.at("/TimeToLiveSpecification/Enabled").asBoolean());
        assertEquals(
                "IdempotencyTable",
                template.at("/Globals/Function/Environment/Variables/IDEMPOTENCY_TABLE/Ref")
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
        // the function gives a record up by its age: the redrive policy must not come first, and a record that crashes
        // every invocation must reach the dead-letter queue before the queue drops it
        int maxReceiveCount =
                resource("MailQueue").at("/RedrivePolicy/maxReceiveCount").asInt();
        int visibility = resource("MailQueue").path("VisibilityTimeout").asInt();
        long retention = resource("MailQueue").path("MessageRetentionPeriod").asLong();
        long longestAge = template.at("/Parameters/MaxRetryAge/MaxValue").asLong();
        long leastDelayOnceCapped = QueueSettings.DEFAULT_RETRY_DELAY_MAX.toSeconds() / 2;
        long receivesWithinTheAge = longestAge / leastDelayOnceCapped + 10;
        assertTrue(
                maxReceiveCount > receivesWithinTheAge,
                maxReceiveCount + " receives before the redrive, retries within MaxRetryAge take "
                        + receivesWithinTheAge);
        assertTrue(maxReceiveCount <= 1000, "SQS's most");
        assertTrue((long) maxReceiveCount * visibility < retention, "a crashing record reaches the dead-letter queue");
        assertTrue(longestAge < retention, "a record is given up before the queue drops it");
        assertTrue(
                QueueSettings.DEFAULT_RETRY_DELAY_MAX.toSeconds() < 12 * 3600,
                "a retry delay is a visibility timeout: at most 12 hours");
        assertEquals(
                resource("MailQueue").path("MessageRetentionPeriod").asLong(),
                resource("MailDeadLetterQueue").path("MessageRetentionPeriod").asLong(),
                "a redriven record keeps its first enqueue time: the dead-letter queue keeps it as long as the queue could");
        assertEquals(
                "MaxRetryAge",
                resource("MailQueueFunction")
                        .at("/Environment/Variables/MAX_RETRY_AGE/Ref")
                        .asText());
        assertEquals(
                "dev.relaymail.MailHandler::handleRequest",
                template.at("/Globals/Function/Handler").asText());
    }

    /**
     * {@code Runtime=jdk25-aot} runs the package's own bootstrap ({@code provided.al2023}) on x86_64, where its AOT
     * cache was made, with the same handler; {@code java21} on arm64 stays the default. Each function's runtime and
     * architecture come through SAM's transform, and the Makefile target {@code sam build} calls builds the layout
     * the runtime needs: the bundled JDK, its training run and the bootstrap for one, neither for the other.
     */
    @Test
    void theRuntimeParameterSwitchesRuntimeArchitectureAndPackageTogether() throws IOException, InterruptedException {
        assertEquals("java21", template.at("/Parameters/Runtime/Default").asText());
        assertEquals(
                "[\"java21\",\"jdk25-aot\"]",
                template.at("/Parameters/Runtime/AllowedValues").toString());
        assertEquals(
                "{\"Fn::Equals\":[{\"Ref\":\"Runtime\"},\"jdk25-aot\"]}",
                template.at("/Conditions/UseJdk25Aot").toString());
        for (String function : List.of("MailApiFunction", "MailQueueFunction")) {
            JsonNode lambda = transformed.path("Resources").path(function).path("Properties");
            assertEquals(
                    "{\"Fn::If\":[\"UseJdk25Aot\",\"provided.al2023\",\"java21\"]}",
                    lambda.path("Runtime").toString(),
                    function);
            assertEquals(
                    "{\"Fn::If\":[\"UseJdk25Aot\",[\"x86_64\"],[\"arm64\"]]}",
                    lambda.path("Architectures").toString(),
                    function);
            assertEquals(
                    "dev.relaymail.MailHandler::handleRequest",
                    lambda.path("Handler").asText(),
                    function);
            assertEquals(
                    "makefile",
                    template.at("/Resources/" + function + "/Metadata/BuildMethod")
                            .asText());
            String java21 = makeDryRun("build-" + function, "java21");
            String jdk25Aot = makeDryRun("build-" + function, "jdk25-aot");
            for (String step : List.of("jlink", "runtime/train.py", "runtime/bootstrap")) {
                assertTrue(jdk25Aot.contains(step), function + " with jdk25-aot: " + step);
                assertFalse(java21.contains(step), function + " with java21: " + step);
            }
            assertTrue(java21.contains("cp -R target/classes/."), "java21 has the classes at the package's root");
        }
    }

    /** The commands {@code make} would run for the target, with {@code RUNTIME} set as {@code sam build} is told. */
    private static String makeDryRun(String target, String runtime) throws IOException, InterruptedException {
        Process make = new ProcessBuilder("make", "--dry-run", target, "RUNTIME=" + runtime, "ARTIFACTS_DIR=unused")
                .redirectErrorStream(true)
                .start();
        String out = new String(make.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, make.waitFor(), out);
        return out;
    }

    /**
     * By default every record of a batch gets its own connection, so that a batch goes in one round; the connections
     * of all concurrent batches stay well under Postfix's default of 50 per client address (behind a NAT gateway, all
     * containers share one). Both numbers are parameters, within what the function and Lambda accept.
     */
    @Test
    void aBatchGoesInOneRoundOverAtMost30ConnectionsByDefault() {
        JsonNode queue = resource("MailQueueFunction").at("/Events/Queue/Properties");
        JsonNode connections = parameter(template.at("/Globals/Function/Environment/Variables/SMTP_CONNECTIONS"));
        JsonNode concurrency = parameter(queue.at("/ScalingConfig/MaximumConcurrency"));
        assertTrue(
                connections.path("Default").asInt() >= queue.path("BatchSize").asInt(),
                "one connection per record of a batch");
        assertTrue(
                connections.path("Default").asInt()
                                * concurrency.path("Default").asInt()
                        <= 30,
                "at most 30 connections from the queue function");
        assertEquals(2, concurrency.path("MinValue").asInt(), "the least MaximumConcurrency Lambda takes");
        int min = connections.path("MinValue").asInt();
        int max = connections.path("MaxValue").asInt();
        Map<String, String> env = new TreeMap<>(Map.of(
                "SMTP_HOST", "relay.example.com", "SMTP_SECRET_ID", "smtp", "DEFAULT_FROM", "noreply@example.com"));
        for (int n = min - 1; n <= max + 1; n++) {
            env.put("SMTP_CONNECTIONS", Integer.toString(n));
            boolean taken;
            try {
                taken = Config.fromEnvironment(env).relay().connections() == n;
            } catch (ConfigException e) {
                taken = false;
            }
            assertEquals(n >= min && n <= max, taken, "the function takes the parameter's values only: " + n);
        }
    }

    /** The parameter a {@code !Ref} names. */
    private JsonNode parameter(JsonNode ref) {
        JsonNode parameter = template.path("Parameters").path(ref.path("Ref").asText());
        assertTrue(parameter.isObject(), "a parameter: " + ref);
        return parameter;
    }

    @Test
    void everyVariableTheTemplateSetsIsOneTheFunctionReads() {
        Set<String> known = Set.of(
                "SMTP_HOST",
                "SMTP_PORT",
                "SMTP_TLS",
                "SMTP_SECRET_ID",
                "DEFAULT_FROM",
                "ALLOWED_FROM",
                "MAX_RECIPIENTS",
                "MAX_MESSAGE_BYTES",
                "SMTP_CONNECT_TIMEOUT_MS",
                "SMTP_TIMEOUT_MS",
                "DEAD_LETTER_QUEUE_URL",
                "IDEMPOTENCY_TABLE",
                "IDEMPOTENCY_TTL_SECONDS",
                "BLOCKED_ATTACHMENTS",
                "SMTP_CONNECTIONS",
                "LOG_LEVEL",
                "JAVA_TOOL_OPTIONS",
                "TEMPLATE_BUCKET",
                "TEMPLATE_PREFIX",
                "ATTACHMENT_BUCKETS",
                "SEND_RATE",
                "MAX_RETRY_AGE",
                "RETRY_DELAY_SECONDS",
                "RETRY_DELAY_MAX_SECONDS",
                "EVENT_BUS_NAME",
                "EVENT_ADDRESSES");
        List<String> set = new ArrayList<>();
        template.at("/Globals/Function/Environment/Variables").fieldNames().forEachRemaining(set::add);
        resource("MailQueueFunction").at("/Environment/Variables").fieldNames().forEachRemaining(set::add);
        resource("MailApiFunction").at("/Environment/Variables").fieldNames().forEachRemaining(set::add);
        for (String name : set) {
            assertTrue(known.contains(name), name);
        }
    }

    /** The function takes the values the SendRate and MaxRetryAge parameters allow, and only those. */
    @Test
    void theRateAndAgeParametersTakeWhatTheFunctionTakes() {
        Predicate<String> rate = allowedPattern("SendRate");
        Map<String, String> env = new TreeMap<>(Map.of(
                "SMTP_HOST", "relay.example.com", "SMTP_SECRET_ID", "smtp", "DEFAULT_FROM", "noreply@example.com"));
        for (String value :
                List.of("", "0.5", "10", ".25", "00.5", "2.000", "0", "0.0", ".0", "-1", "1e3", "abc", "1.", "1..2")) {
            env.put("SEND_RATE", value);
            boolean taken;
            try {
                taken = Config.fromEnvironment(env).queue().sendRate().isPresent() || value.isEmpty();
            } catch (ConfigException e) {
                taken = false;
            }
            assertEquals(rate.test(value), taken, "the template and the function agree on " + value);
        }
        env.remove("SEND_RATE");
        JsonNode age = template.at("/Parameters/MaxRetryAge");
        for (String value : List.of(
                age.path("MinValue").asText(),
                age.path("Default").asText(),
                age.path("MaxValue").asText())) {
            env.put("MAX_RETRY_AGE", value);
            assertEquals(
                    Long.parseLong(value),
                    Config.fromEnvironment(env).queue().maxRetryAge().toSeconds());
        }
        assertEquals(
                QueueSettings.DEFAULT_MAX_RETRY_AGE.toSeconds(),
                age.path("Default").asLong(),
                "one default");
    }

    /**
     * Every alarm: its metric (or the metrics of its expression), threshold and comparison, and that it notifies the
     * alarm topic (the one given, or the one made) both when it fires and when it clears.
     */
    @Test
    void theAlarmsWatchWhatGoesWrongAndNotifyTheAlarmTopic() {
        record Expected(String namespace, String metric, String dimension, JsonNode threshold) {}
        JsonNode one = JSON.getNodeFactory().numberNode(1);
        Map<String, Expected> expected = new TreeMap<>(Map.of(
                "DeadLetterQueueAlarm",
                        new Expected("AWS/SQS", "ApproximateNumberOfMessagesVisible", "MailDeadLetterQueue", one),
                "QueueAgeAlarm",
                        new Expected(
                                "AWS/SQS",
                                "ApproximateAgeOfOldestMessage",
                                "MailQueue",
                                JSON.createObjectNode().put("Ref", "QueueAgeAlarmSeconds")),
                "ApiFunctionErrorsAlarm", new Expected("AWS/Lambda", "Errors", "MailApiFunction", one),
                "QueueFunctionErrorsAlarm", new Expected("AWS/Lambda", "Errors", "MailQueueFunction", one),
                "ApiFunctionThrottlesAlarm", new Expected("AWS/Lambda", "Throttles", "MailApiFunction", one),
                "QueueFunctionThrottlesAlarm", new Expected("AWS/Lambda", "Throttles", "MailQueueFunction", one),
                "UnknownOutcomesAlarm", new Expected("relaymail", "UnknownOutcomes", "api+sqs", one),
                "RelayLoginFailuresAlarm", new Expected("relaymail", "RelayLoginFailures", "api+sqs", one),
                "RelayUnreachableAlarm", new Expected("relaymail", "RelayUnreachable", "api+sqs", one),
                "Api5xxRateAlarm",
                        new Expected(
                                "AWS/ApiGateway",
                                "5xx/Count",
                                "MailApi",
                                JSON.createObjectNode().put("Ref", "Api5xxRatePercent"))));
        Map<String, JsonNode> alarms = new TreeMap<>();
        template.path("Resources").properties().stream()
                .filter(r -> r.getValue().path("Type").asText().equals("AWS::CloudWatch::Alarm"))
                .forEach(r -> alarms.put(r.getKey(), r.getValue().path("Properties")));
        assertEquals(expected.keySet(), alarms.keySet());
        JsonNode topic = JSON.createObjectNode()
                .set(
                        "Fn::If",
                        JSON.createArrayNode()
                                .add("MakeAlarmTopic")
                                .add(JSON.createObjectNode().put("Ref", "AlarmTopic"))
                                .add(JSON.createObjectNode().put("Ref", "AlarmTopicArn")));
        for (Map.Entry<String, JsonNode> entry : alarms.entrySet()) {
            String name = entry.getKey();
            JsonNode alarm = entry.getValue();
            Expected want = expected.get(name);
            assertEquals(List.of(topic), List.copyOf(toList(alarm.path("AlarmActions"))), name + " notifies the topic");
            assertEquals(List.of(topic), List.copyOf(toList(alarm.path("OKActions"))), name + " says when it clears");
            assertEquals(want.threshold(), alarm.path("Threshold"), name);
            assertEquals(
                    "GreaterThanOrEqualToThreshold",
                    alarm.path("ComparisonOperator").asText(),
                    name);
            assertEquals("notBreaching", alarm.path("TreatMissingData").asText(), name);
            if (alarm.has("MetricName")) {
                assertEquals(want.namespace(), alarm.path("Namespace").asText(), name);
                assertEquals(want.metric(), alarm.path("MetricName").asText(), name);
                JsonNode value = alarm.at("/Dimensions/0/Value");
                assertEquals(
                        want.dimension(),
                        value.has("Ref")
                                ? value.path("Ref").asText()
                                : value.at("/Fn::GetAtt/0").asText(),
                        name);
                continue;
            }
            List<String> metrics = new ArrayList<>();
            List<String> dimensions = new ArrayList<>();
            String expression = null;
            for (JsonNode query : alarm.path("Metrics")) {
                if (query.has("Expression")) {
                    assertTrue(query.path("ReturnData").asBoolean(), name + ": the expression is what is alarmed on");
                    expression = query.path("Expression").asText();
                    continue;
                }
                assertFalse(query.path("ReturnData").asBoolean(), name);
                JsonNode metric = query.at("/MetricStat/Metric");
                assertEquals(want.namespace(), metric.path("Namespace").asText(), name);
                assertEquals("Sum", query.at("/MetricStat/Stat").asText(), name);
                metrics.add(metric.path("MetricName").asText());
                JsonNode value = metric.at("/Dimensions/0/Value");
                dimensions.add(value.has("Ref") ? value.path("Ref").asText() : value.asText());
            }
            if (want.namespace().equals("relaymail")) {
                assertEquals(List.of(want.metric(), want.metric()), metrics, name);
                assertEquals(List.of("api", "sqs"), dimensions, name + ": both triggers");
                assertEquals("FILL(api, 0) + FILL(sqs, 0)", expression, name);
            } else {
                assertEquals(List.of("5xx", "Count"), metrics, name);
                assertEquals(List.of("MailApi", "MailApi"), dimensions, name);
                assertEquals("IF(FILL(requests, 0) > 0, 100 * FILL(errors, 0) / requests, 0)", expression, name);
            }
        }
        assertEquals(
                "MakeAlarmTopic", template.at("/Resources/AlarmTopic/Condition").asText());
        assertEquals(
                "{\"Fn::Equals\":[{\"Ref\":\"AlarmTopicArn\"},\"\"]}",
                template.at("/Conditions/MakeAlarmTopic").toString(),
                "a topic is made when none is given");
        JsonNode subscription = template.at("/Resources/AlarmEmailSubscription");
        assertEquals("HasAlarmEmail", subscription.path("Condition").asText());
        assertEquals("email", subscription.at("/Properties/Protocol").asText());
        assertEquals(topic, subscription.at("/Properties/TopicArn"));
    }

    /** The dashboard: sent, failed and deferred per trigger, latency per trigger, the queue's depth and age, the DLQ. */
    @Test
    void theDashboardShowsOutcomesPerTriggerTheQueueAndTheDeadLetterQueue() throws IOException {
        String body = resource("Dashboard").at("/DashboardBody/Fn::Sub").asText();
        JsonNode dashboard = JSON.readTree(body);
        List<String> shown = new ArrayList<>();
        for (JsonNode widget : dashboard.path("widgets")) {
            for (JsonNode metric : widget.at("/properties/metrics")) {
                List<String> parts = new ArrayList<>();
                metric.forEach(part -> parts.add(part.isTextual() ? part.asText() : ""));
                shown.add(String.join(" ", parts).strip());
            }
        }
        for (String trigger : List.of("sqs", "api")) {
            for (String metric : List.of("Sent", "TransientFailures", "PermanentFailures", "SendLatency")) {
                assertTrue(shown.contains("relaymail " + metric + " Trigger " + trigger), metric + " " + trigger);
            }
        }
        for (String metric : List.of("Deferred", "GaveUp", "Throttled")) {
            assertTrue(shown.contains("relaymail " + metric + " Trigger sqs"), metric);
        }
        for (String queue : List.of(
                "AWS/SQS ApproximateNumberOfMessagesVisible QueueName ${MailQueue.QueueName}",
                "AWS/SQS ApproximateAgeOfOldestMessage QueueName ${MailQueue.QueueName}",
                "AWS/SQS ApproximateNumberOfMessagesVisible QueueName ${MailDeadLetterQueue.QueueName}")) {
            assertTrue(shown.contains(queue), queue + " in " + shown);
        }
    }

    private static List<JsonNode> toList(JsonNode array) {
        List<JsonNode> list = new ArrayList<>();
        array.forEach(list::add);
        return list;
    }
}
