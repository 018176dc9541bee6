package dev.relaymail.mime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.mail.internet.MimeUtility;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class QuotedPrintableTest {

    private static String decode(byte[] encoded) throws Exception {
        return new String(
                MimeUtility.decode(new ByteArrayInputStream(encoded), "quoted-printable")
                        .readAllBytes(),
                StandardCharsets.UTF_8);
    }

    @Property(tries = 3000)
    void decodesBackToTheTextWithCrlfLineBreaks(@ForAll String text) throws Exception {
        byte[] encoded = QuotedPrintable.encode(text);
        String lines = new String(encoded, StandardCharsets.ISO_8859_1);
        for (String line : lines.split("\r\n", -1)) {
            assertTrue(line.length() <= 76, "line of " + line.length());
            assertTrue(line.chars().allMatch(c -> c >= 0x20 && c < 0x7f), "printable ASCII only");
            assertTrue(
                    line.isEmpty() || (line.charAt(line.length() - 1) != ' ' && line.charAt(line.length() - 1) != '\t'),
                    "no white space at a line's end");
        }
        for (int i = 0; i < encoded.length; i++) {
            if (encoded[i] == '\n' || encoded[i] == '\r') {
                assertTrue(encoded[i] == '\r' ? encoded[i + 1] == '\n' : encoded[i - 1] == '\r', "bare CR or LF");
            }
        }
        assertEquals(text.replace("\r\n", "\n").replace('\r', '\n').replace("\n", "\r\n"), decode(encoded));
    }

    @Test
    void keepsReadableTextReadable() {
        assertEquals(
                "Gr=C3=BC=C3=9Fe aus K=C3=B6ln, 100% =3D fertig.\r\ntrailing=20\r\n",
                new String(
                        QuotedPrintable.encode("Grüße aus Köln, 100% = fertig.\ntrailing \n"),
                        StandardCharsets.US_ASCII));
    }

    @Test
    void breaksLongLinesSoftly() throws Exception {
        String long1 = "x".repeat(200);
        String encoded = new String(QuotedPrintable.encode(long1), StandardCharsets.US_ASCII);
        assertEquals(3, encoded.split("=\r\n").length);
        assertEquals(long1, decode(encoded.getBytes(StandardCharsets.US_ASCII)));
    }
}
