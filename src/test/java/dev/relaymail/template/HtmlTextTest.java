package dev.relaymail.template;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class HtmlTextTest {

    @Test
    void putsBlocksOnTheirOwnLinesAndCollapsesSpace() {
        assertEquals(
                "Title\n\nFirst   paragraph? No: First paragraph.\n\nSecond\nline\n",
                HtmlText.of("<h1>Title</h1>\n<p>First&nbsp;&nbsp; paragraph? No:\n   First   paragraph.</p>"
                        + "<p>Second<br>line</p>"));
    }

    @Test
    void writesLinksWithTheirAddressUnlessTheLabelIsTheAddress() {
        assertEquals(
                "Open the report (https://example.com/r?a=1&b=2) or https://example.com/ or write to "
                        + "help@example.com.\n",
                HtmlText.of("Open <a class=\"x\" href=\"https://example.com/r?a=1&amp;b=2\">the report</a> or "
                        + "<a href='https://example.com/'>https://example.com/</a> or write to "
                        + "<a href=\"mailto:help@example.com\">help@example.com</a>."));
    }

    @Test
    void dropsHeadStylesScriptsAndCommentsAndKeepsImageAlternatives() {
        assertEquals(
                "Hello [logo] world\n",
                HtmlText.of(
                        "<!DOCTYPE html><?xml version=\"1.0\"?><html><head><title>T</title><style>p{color:red}</style>"
                                + "</head><body><!-- hidden --><script>alert(1)</script>Hello <img src=x alt=\"[logo]\"> world"
                                + "</body></html>"));
    }

    @Test
    void marksListItemsAndSeparatesTableCells() {
        assertEquals(
                "- one\n- two\n\nQty 2\n",
                HtmlText.of("<ul><li>one</li><li>two</li></ul>" + "<table><tr><td>Qty</td><td>2</td></tr></table>"));
    }

    @Test
    void decodesNamedAndNumericEntities() {
        assertEquals(
                "5 < 6 & \"yes\" — ü € \uFFFD\n",
                HtmlText.of("5 &lt; 6 &amp; &quot;yes&quot; &mdash; &#252; " + "&#x20AC; &#0;"));
    }

    /** HTML5's whole table: names are case-sensitive, may hold digits, run long or stand for two code points. */
    @Test
    void decodesEveryHtml5NamedEntity() {
        assertEquals(
                "été über ß × É ½ ∳ ≂̸ fjord &unknown;\n",
                HtmlText.of("&eacute;t&eacute; &uuml;ber &szlig; &times; &Eacute; &frac12; "
                        + "&CounterClockwiseContourIntegral; &NotEqualTilde; &fjlig;ord &unknown;"));
    }

    /** In an attribute, a legacy name without its semicolon before '=' is text (HTML5): query strings stay intact. */
    @Test
    void decodesAttributesAsAnAttributeIsDecoded() {
        assertEquals(
                "Report (https://example.com/r?a=1&copy=2&lang=fr) [Café]\n",
                HtmlText.of("<a href=\"https://example.com/r?a=1&copy=2&amp;lang=fr\">Report</a> "
                        + "<img alt=\"[Caf&eacute;]\" src=x>"));
    }
}
