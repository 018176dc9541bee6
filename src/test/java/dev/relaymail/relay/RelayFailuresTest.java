package dev.relaymail.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.relaymail.core.RelayException;
import dev.relaymail.core.RelayException.Kind;
import jakarta.mail.Address;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Which relay replies are throttling: the relay's limit on this sender, retried later whatever the code and a sign to
 * send more slowly. Each case is a reply as Angus hands it over (a multi-line reply keeps its hyphens), classified as
 * the relay would meet it at MAIL, RCPT or the end of the data.
 */
class RelayFailuresTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # Exchange Online (SMTP AUTH client submission)
            432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded | true | TRANSIENT_REPLY
            432 4.3.2 Concurrent connections limit exceeded. | true | TRANSIENT_REPLY
            421 4.4.2 Message submission rate for this client has exceeded the configured limit | true | TRANSIENT_REPLY
            451 4.7.500 Server busy. Please try again later from [192.0.2.1]. (S77714) | true | TRANSIENT_REPLY
            554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException; Failed to process message | true | TRANSIENT_REPLY
            550 5.1.90 Your message can't be sent because you've reached your daily limit for message recipients | true | TRANSIENT_REPLY
            550 5.2.251 Sender throttled due to continuous mailbox full errors | true | TRANSIENT_REPLY
            # Google Workspace (smtp.gmail.com, smtp-relay.gmail.com)
            421 4.7.0 Try again later, closing connection. | true | TRANSIENT_REPLY
            421-4.7.0 Our system has detected an unusual rate of unsolicited mail | true | TRANSIENT_REPLY
            450 4.2.1 Peak SMTP relay limit exceeded for customer. This is a temporary error. | true | TRANSIENT_REPLY
            450-4.2.1 The user you are trying to contact is receiving mail too quickly. | true | TRANSIENT_REPLY
            454 4.7.0 Too many login attempts, please try again later. | true | TRANSIENT_REPLY
            421 4.4.5 Server busy, try again later. | true | TRANSIENT_REPLY
            550-5.4.5 Daily user sending limit exceeded. | true | TRANSIENT_REPLY
            550 5.4.5 Daily SMTP relay limit exceeded for user. | true | TRANSIENT_REPLY
            # Amazon SES (SMTP interface), without enhanced codes
            454 Throttling failure: Maximum sending rate exceeded. | true | TRANSIENT_REPLY
            454 Throttling failure: Daily message quota exceeded. | true | TRANSIENT_REPLY
            # Postfix (anvil and policy servers), greylisting
            421 4.7.0 mail.example.com Error: too many connections from 192.0.2.1 | true | TRANSIENT_REPLY
            450 4.7.1 <ann@example.org>: Recipient address rejected: Rate limit exceeded | true | TRANSIENT_REPLY
            451 4.7.1 Greylisted, please try again in 300 seconds | true | TRANSIENT_REPLY
            452 4.3.1 Insufficient system storage | false | TRANSIENT_REPLY
            # not throttling: the message or its recipient
            451 4.3.0 Temporary System Problem. Try again later | false | TRANSIENT_REPLY
            451 4.3.0 Mail server temporarily rejected message. | false | TRANSIENT_REPLY
            452 4.5.3 Domain policy size per transaction exceeded, please try this recipient in a separate transaction | false | TRANSIENT_REPLY
            550 5.1.1 The email account that you tried to reach does not exist. | false | PERMANENT_REPLY
            552 5.3.4 Message size exceeds fixed limit | false | PERMANENT_REPLY
            554 5.2.2 mailbox full; STOREDRV.Submission.Exception:QuotaExceededException.MapiExceptionShutoffQuotaExceeded | false | PERMANENT_REPLY
            535 5.7.8 Username and Password not accepted. | false | PERMANENT_REPLY
            """)
    void classifiesTheRepliesOfTheBigRelays(String reply, boolean throttled, Kind kind) {
        int code = Integer.parseInt(reply.substring(0, 3));
        RelayException failure = RelayFailures.classify(
                new SMTPSendFailedException("MAIL", code, reply, null, new Address[0], new Address[0], new Address[0]),
                code,
                false,
                false);
        assertEquals(throttled, failure.throttled(), reply);
        assertEquals(kind, failure.kind(), reply);
        assertEquals(code, failure.smtpCode().orElse(0));
        assertEquals(kind == Kind.TRANSIENT_REPLY, failure.retryable());
    }
}
