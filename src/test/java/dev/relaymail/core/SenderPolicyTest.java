package dev.relaymail.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SenderPolicyTest {
    private final SenderPolicy policy = SenderPolicy.parse("billing@example.com, @mail.example.org, @bücher.example");

    @Test
    void allowsListedAddressCaseInsensitively() {
        assertTrue(policy.allows(MailAddress.parse("Billing <BILLING@Example.COM>")));
    }

    @Test
    void refusesOtherAddressAtAListedAddressDomain() {
        assertFalse(policy.allows(MailAddress.parse("ceo@example.com")));
    }

    @Test
    void allowsAnyAddressAtAListedDomainButNotItsSubdomains() {
        assertTrue(policy.allows(MailAddress.parse("anyone@mail.example.org")));
        assertFalse(policy.allows(MailAddress.parse("anyone@evil.mail.example.org")));
        assertFalse(policy.allows(MailAddress.parse("anyone@example.org")));
    }

    @Test
    void comparesInternationalDomainsAsALabels() {
        assertTrue(policy.allows(MailAddress.parse("info@xn--bcher-kva.example")));
        assertTrue(policy.allows(MailAddress.parse("info@BÜCHER.example")));
    }

    @Test
    void refusesCyrillicLookAlikeOfAnAllowedDomain() {
        assertFalse(policy.allows(MailAddress.parse("billing@ex\u0430mple.com")));
    }

    @Test
    void checkNamesTheRefusedAddress() {
        RequestRejectedException e = assertThrows(
                RequestRejectedException.class, () -> policy.check(MailAddress.parse("spam@evil.example")));
        assertEquals(RequestRejectedException.Reason.SENDER_NOT_ALLOWED, e.reason());
        assertEquals("from", e.errors().get(0).field());
        assertTrue(e.errors().get(0).message().contains("spam@evil.example"));
    }

    @Test
    void refusesMalformedEntriesNamingThem() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> SenderPolicy.parse("ok@example.com, not-an-address"));
        assertTrue(e.getMessage().contains("not-an-address"));
        assertThrows(IllegalArgumentException.class, () -> SenderPolicy.parse(" , "));
    }
}
