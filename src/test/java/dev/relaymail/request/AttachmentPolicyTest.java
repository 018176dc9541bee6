package dev.relaymail.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class AttachmentPolicyTest {
    private final AttachmentPolicy defaults = AttachmentPolicy.defaults();

    @ParameterizedTest
    @ValueSource(
            strings = {
                "setup.exe",
                "SETUP.EXE",
                "invoice.pdf.exe",
                "invoice.exe.",
                "invoice.exe . .",
                "run.bat",
                "script.js",
                "macro.vbs",
                "installer.msi",
                "shortcut.lnk",
                "tool.jar",
                "disk.iso",
                "page.hta",
                "x.ps1",
                "invoice.exe\u0301",
                "=?UTF-8?Q?invoice.exe?=",
                "=?utf-8?b?aW52b2ljZS5leGU=?=",
                "report=?UTF-8?Q?=2Eexe?=",
                "=?UTF-8?Q?invoice.ex?==?UTF-8?Q?e?="
            })
    void refusesExecutablesByExtension(String filename) {
        assertTrue(defaults.refusal(filename, "application/pdf").isPresent(), filename);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "application/x-msdownload",
                "application/x-msdownload; name=x",
                "APPLICATION/JAVA-ARCHIVE",
                "application/x-sh",
                "text/javascript"
            })
    void refusesExecutablesByContentType(String type) {
        assertTrue(defaults.refusal("harmless.pdf", type).isPresent(), type);
    }

    @ParameterizedTest
    @CsvSource({
        "invoice.pdf, application/pdf",
        "photo.jpg, image/jpeg",
        "report.exe.pdf, application/pdf",
        "notes, text/plain",
        "data.json, application/json",
        "archive.zip, application/zip",
        "=?UTF-8?Q?invoice.pdf?=, application/pdf",
        "=?UTF-8?Q?invoice.exe?=.pdf, application/pdf"
    })
    void allowsOrdinaryFiles(String filename, String type) {
        assertEquals(Optional.empty(), defaults.refusal(filename, type));
    }

    @Test
    void theRuleIsConfigurable() {
        AttachmentPolicy custom = AttachmentPolicy.parse(".zip, application/zip");
        assertTrue(custom.refusal("a.zip", "application/octet-stream").isPresent());
        assertTrue(custom.refusal("a.bin", "application/zip").isPresent());
        assertEquals(Optional.empty(), custom.refusal("setup.exe", "application/x-msdownload"));
        assertEquals(Optional.empty(), AttachmentPolicy.parse("none").refusal("setup.exe", "application/x-msdownload"));
    }

    @Test
    void refusalNamesTheTypeAndTheSetting() {
        String why = defaults.refusal("setup.exe", "application/octet-stream").orElseThrow();
        assertTrue(why.contains(".exe") && why.contains("BLOCKED_ATTACHMENTS"), why);
    }

    @Test
    void refusesMalformedEntries() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> AttachmentPolicy.parse(".exe, exe"));
        assertTrue(e.getMessage().contains("'exe'"), e.getMessage());
    }
}
