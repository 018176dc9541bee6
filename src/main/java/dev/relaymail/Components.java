package dev.relaymail;

import dev.relaymail.api.ApiGatewayAdapter;
import dev.relaymail.config.Config;
import dev.relaymail.core.Mailer;
import dev.relaymail.core.Sender;
import dev.relaymail.core.StoredAttachments;
import dev.relaymail.events.DeliveryEvents;
import dev.relaymail.idempotency.DynamoDbIdempotencyStore;
import dev.relaymail.idempotency.IdempotencyStore;
import dev.relaymail.idempotency.IdempotentSender;
import dev.relaymail.logging.OutcomeLog;
import dev.relaymail.mime.MessageIds;
import dev.relaymail.mime.MimeComposer;
import dev.relaymail.relay.SmtpRelay;
import dev.relaymail.request.RequestReader;
import dev.relaymail.secrets.CredentialsSource;
import dev.relaymail.sqs.DeadLetterQueue;
import dev.relaymail.sqs.QueueVisibility;
import dev.relaymail.sqs.SqsBatchAdapter;
import dev.relaymail.sqs.SqsDeadLetterQueue;
import dev.relaymail.sqs.SqsQueueVisibility;
import dev.relaymail.storage.S3ObjectStore;
import dev.relaymail.template.BundledTemplates;
import dev.relaymail.template.MustacheTemplates;
import dev.relaymail.template.S3Templates;
import dev.relaymail.template.TemplateSource;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The adapters the handler delegates to, what a container does at start and where its delivery events go, wired once
 * from the configuration.
 */
public record Components(ApiGatewayAdapter api, SqsBatchAdapter sqs, Startup startup, DeliveryEvents events) {

    /**
     * The real adapters around {@code relay}, which is made first so that a cold start can open its first connection
     * while the rest is wired (it logs in with {@code credentials}, which the checkpoint hooks forget): permanent
     * failures to the SQS dead-letter queue, idempotency records in DynamoDB when a table is configured, visibility
     * changes of queue records through SQS, delivery events to EventBridge when a bus is configured.
     */
    public static Components production(Config config, SmtpRelay relay, CredentialsSource credentials) {
        return wire(
                config,
                relay,
                credentials,
                config.deadLetterQueueUrl().map(SqsDeadLetterQueue::create),
                config.idempotencyTable()
                        .map(table -> DynamoDbIdempotencyStore.create(table, config.idempotencyTtl(), System.getenv())),
                Optional.of(SqsQueueVisibility.create()),
                DeliveryEvents.create(config.events(), System.getenv()),
                Clock.systemUTC());
    }

    public static Components wire(
            Config config,
            SmtpRelay relay,
            CredentialsSource credentials,
            Optional<DeadLetterQueue> deadLetters,
            Optional<IdempotencyStore> idempotency,
            Optional<QueueVisibility> visibility,
            DeliveryEvents events,
            Clock clock) {
        Supplier<S3Client> s3 = S3ObjectStore.lazyClient();
        List<TemplateSource> templateSources = new ArrayList<>();
        config.templates()
                .bucket()
                .ifPresent(bucket -> templateSources.add(
                        new S3Templates(s3, bucket, config.templates().prefix())));
        templateSources.add(new BundledTemplates());
        RequestReader reader = new RequestReader(
                config.limits(),
                config.defaultFrom(),
                config.blockedAttachments(),
                config.attachmentBuckets(),
                new MustacheTemplates(templateSources, config.templates().cacheTtl(), clock));
        MessageIds messageIds = new MessageIds();
        MimeComposer composer =
                new MimeComposer(messageIds, clock, config.limits().maxMessageBytes());
        Sender mailer = new Mailer(
                config.allowedFrom(),
                new StoredAttachments(new S3ObjectStore(s3), config.limits().maxMessageBytes()),
                composer,
                relay);
        Sender sender = idempotency
                .<Sender>map(store -> new IdempotentSender(mailer, store, clock))
                .orElse(mailer);
        OutcomeLog outcomes = new OutcomeLog();
        return new Components(
                new ApiGatewayAdapter(reader, sender, outcomes, config.limits().maxMessageBytes()),
                new SqsBatchAdapter(
                        reader,
                        sender,
                        deadLetters,
                        visibility,
                        outcomes,
                        config.relay().connections(),
                        config.queue(),
                        clock),
                new Startup(reader, composer, messageIds, relay, credentials),
                events);
    }
}
