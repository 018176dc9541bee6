package dev.relaymail;

import dev.relaymail.api.ApiGatewayAdapter;
import dev.relaymail.config.Config;
import dev.relaymail.core.Mailer;
import dev.relaymail.core.MessageIds;
import dev.relaymail.core.MimeComposer;
import dev.relaymail.core.RequestReader;
import dev.relaymail.logging.OutcomeLog;
import dev.relaymail.relay.SmtpRelay;
import dev.relaymail.secrets.CredentialsSource;
import dev.relaymail.secrets.SecretsManagerCredentials;
import dev.relaymail.sqs.DeadLetterQueue;
import dev.relaymail.sqs.SqsBatchAdapter;
import dev.relaymail.sqs.SqsDeadLetterQueue;
import java.time.Clock;
import java.util.Optional;

/** The adapters the handler delegates to, wired once per container from the configuration. */
record Components(ApiGatewayAdapter api, SqsBatchAdapter sqs) {

    /** The real adapters: credentials from Secrets Manager, permanent failures to the SQS dead-letter queue. */
    static Components production(Config config) {
        return wire(config, SecretsManagerCredentials.create(config.secretId()),
                config.deadLetterQueueUrl().map(SqsDeadLetterQueue::create), Clock.systemUTC());
    }

    static Components wire(Config config, CredentialsSource credentials, Optional<DeadLetterQueue> deadLetters,
            Clock clock) {
        RequestReader reader = new RequestReader(config.limits(), config.defaultFrom(), config.blockedAttachments());
        MimeComposer composer = new MimeComposer(new MessageIds(), clock, config.limits().maxMessageBytes());
        Mailer mailer = new Mailer(config.allowedFrom(), composer, new SmtpRelay(config.relay(), credentials));
        OutcomeLog outcomes = new OutcomeLog();
        return new Components(new ApiGatewayAdapter(reader, mailer, outcomes, config.limits().maxMessageBytes()),
                new SqsBatchAdapter(reader, mailer, deadLetters, outcomes));
    }
}
