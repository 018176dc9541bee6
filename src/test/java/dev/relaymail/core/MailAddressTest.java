package dev.relaymail.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MailAddressTest {

    @Test
    void parsesBareAddress() {
        MailAddress a = MailAddress.parse("bob@example.net");
        assertEquals(Optional.empty(), a.displayName());
        assertEquals("bob@example.net", a.address());
    }

    @Test
    void parsesDisplayNameWithUmlaut() {
        MailAddress a = MailAddress.parse("Ann Müller <ann@example.org>");
        assertEquals(Optional.of("Ann Müller"), a.displayName());
        assertEquals("ann@example.org", a.address());
    }

    @Test
    void parsesQuotedDisplayNameWithSpecials() {
        MailAddress a = MailAddress.parse("\"Müller, Ann \\\"Billing\\\"\" <ann@example.org>");
        assertEquals(Optional.of("Müller, Ann \"Billing\""), a.displayName());
    }

    @Test
    void lowerCasesDomainAndKeepsLocalPart() {
        assertEquals(
                "Ann.Smith@example.org",
                MailAddress.parse("Ann.Smith@EXAMPLE.Org").address());
    }

    @Test
    void convertsInternationalDomainToALabels() {
        assertEquals(
                "info@xn--bcher-kva.example",
                MailAddress.parse("info@bücher.example").address());
    }

    /**
     * The JDK's IDNA 2003 turns ß (and ẞ) into "ss" and ς into σ, and drops the zero-width joiners, where IDNA 2008
     * and the registries keep them: straße.de would become strasse.de, another domain, and its mail go to someone
     * else. Such a domain is refused, saying to give it in A-labels, which are taken as they are.
     */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "info@straße.de",
                "info@STRAẞE.de",
                "info@βόλος.gr",
                "info@mail.βόλος.gr",
                "info@ab\u200Ccd.example",
                "info@ab\u200Dcd.example"
            })
    void refusesADomainThatIdna2003And2008MakeTwoDomainsOf(String raw) {
        MailAddress.AddressFormatException e =
                assertThrows(MailAddress.AddressFormatException.class, () -> MailAddress.parse(raw));
        assertTrue(e.getMessage().contains("A-labels"), e.getMessage());
    }

    @Test
    void takesTheALabelsOfADomainThatIdna2003WouldChange() {
        assertEquals(
                "info@xn--strae-oqa.de",
                MailAddress.parse("info@xn--strae-oqa.de").address());
        assertEquals(
                "info@xn--nxasmm1c.gr",
                MailAddress.parse("info@XN--NXASMM1C.gr").address());
    }

    @Test
    void cyrillicLookAlikeIsADifferentDomain() {
        MailAddress latin = MailAddress.parse("billing@example.com");
        MailAddress cyrillic = MailAddress.parse("billing@ex\u0430mple.com");
        assertTrue(cyrillic.domain().startsWith("xn--"));
        assertFalse(latin.sameMailbox(cyrillic));
    }

    @Test
    void sameMailboxIgnoresCaseAndName() {
        assertTrue(MailAddress.parse("Bob <BOB@example.net>").sameMailbox(MailAddress.parse("bob@Example.NET")));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "   ",
                "bob",
                "@example.net",
                "bob@",
                "bob@localhost",
                "bob@example..net",
                "bob@-example.net",
                "bob@example.net.",
                ".bob@example.net",
                "bob.@example.net",
                "b..ob@example.net",
                "bob smith@example.net",
                "\"bob\"@example.net",
                "bob@[192.0.2.1]",
                "Bob bob@example.net>",
                "Bob <bob@example.net",
                "Bo\"b <bob@example.net>",
                "bob(comment)@example.net",
                "bob,carol@example.net",
                "jörg@example.net"
            })
    void refusesMalformedAddresses(String raw) {
        assertThrows(MailAddress.AddressFormatException.class, () -> MailAddress.parse(raw));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "bob@example.net\r\nRCPT TO:<evil@example.org>",
                "Bob\n <bob@example.net>",
                "bob@example.net\u0000",
                "Bob\u2028 <bob@example.net>",
                "Bob\u0085 <bob@example.net>"
            })
    void refusesControlCharacters(String raw) {
        MailAddress.AddressFormatException e =
                assertThrows(MailAddress.AddressFormatException.class, () -> MailAddress.parse(raw));
        assertTrue(e.getMessage().contains("control characters"));
    }

    @Test
    void enforcesRfc5321Lengths() {
        String local64 = "a".repeat(64);
        assertEquals(
                local64 + "@example.net",
                MailAddress.parse(local64 + "@example.net").address());
        assertThrows(MailAddress.AddressFormatException.class, () -> MailAddress.parse("a" + local64 + "@example.net"));
        String domain = "d".repeat(63) + "." + "e".repeat(63) + "." + "f".repeat(63) + ".com";
        String at254 = "a".repeat(254 - domain.length() - 1) + "@" + domain;
        assertEquals(254, MailAddress.parse(at254).address().length());
        assertThrows(MailAddress.AddressFormatException.class, () -> MailAddress.parse("a" + at254));
    }
}
