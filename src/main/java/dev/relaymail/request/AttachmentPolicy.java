package dev.relaymail.request;

import jakarta.mail.internet.MimeUtility;
import jakarta.mail.internet.ParseException;
import java.io.UnsupportedEncodingException;
import java.text.Normalizer;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which attachments are refused as dangerous: by the extension of the file name (the last one, after trailing dots
 * and spaces, which Windows ignores, are removed) and by content type. The default list follows the executable and
 * script types that Gmail and Outlook block; {@code BLOCKED_ATTACHMENTS} replaces it (a comma list of extensions such
 * as {@code .exe} and content types such as {@code application/x-msdownload}), and {@code none} allows everything.
 * Archives are not opened.
 */
public final class AttachmentPolicy {
    public static final String DEFAULT = ".ade,.adp,.apk,.appx,.appxbundle,.bat,.cab,.chm,.cmd,.com,.cpl,.diagcab,"
            + ".diagcfg,.diagpkg,.dll,.dmg,.ex,.ex_,.exe,.hta,.img,.ins,.iso,.isp,.jar,.jnlp,.js,.jse,.lib,.lnk,.mde,"
            + ".mjs,.msc,.msi,.msix,.msixbundle,.msp,.mst,.nsh,.pif,.ps1,.scr,.sct,.shb,.sys,.vb,.vbe,.vbs,.vhd,.vxd,"
            + ".wsc,.wsf,.wsh,.xll,"
            + "application/x-msdownload,application/x-msdos-program,application/x-dosexec,application/x-executable,"
            + "application/vnd.microsoft.portable-executable,application/x-ms-installer,application/x-msi,"
            + "application/hta,application/x-ms-shortcut,application/java-archive,application/x-java-archive,"
            + "application/x-sh,application/x-csh,application/x-bat,text/javascript,application/javascript,"
            + "application/x-javascript,application/x-vbscript,text/vbscript,application/x-powershell";

    private static final Pattern ENCODED_WORD = Pattern.compile("=\\?[^?\\s]+\\?[bBqQ]\\?[^?\\s]*\\?=");

    private final Set<String> extensions;
    private final Set<String> contentTypes;

    private AttachmentPolicy(Set<String> extensions, Set<String> contentTypes) {
        this.extensions = Set.copyOf(extensions);
        this.contentTypes = Set.copyOf(contentTypes);
    }

    /** Parses {@code none} or a comma list of {@code .ext} and {@code type/subtype} entries. */
    public static AttachmentPolicy parse(String list) {
        Set<String> extensions = new LinkedHashSet<>();
        Set<String> types = new LinkedHashSet<>();
        if (!list.strip().equalsIgnoreCase("none")) {
            for (String raw : list.split(",")) {
                String entry = raw.strip().toLowerCase(Locale.ROOT);
                if (entry.isEmpty()) {
                    continue;
                }
                if (entry.startsWith(".") && entry.length() > 1 && entry.indexOf('/') < 0) {
                    extensions.add(entry.substring(1));
                } else if (entry.matches("[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")) {
                    types.add(entry);
                } else {
                    throw new IllegalArgumentException("entry '" + raw.strip()
                            + "' is neither an extension like .exe nor a content type like application/x-msdownload");
                }
            }
        }
        return new AttachmentPolicy(extensions, types);
    }

    public static AttachmentPolicy defaults() {
        return parse(DEFAULT);
    }

    /**
     * Why this attachment is refused, if it is. The extension is checked on every name a reader may show: the name as
     * given; the name with the RFC 2047 encoded words in it decoded, as some readers decode them in a name however it
     * is written (postal-mime does, after decoding RFC 2231), so that {@code =?UTF-8?Q?invoice.exe?=} shows as
     * {@code invoice.exe}; and both without their combining marks, as a person reads them: {@code exe} with a
     * combining accent reads as {@code exe}.
     */
    public Optional<String> refusal(String filename, String contentType) {
        String decoded = withEncodedWordsDecoded(filename);
        for (String shown :
                List.of(filename, decoded, withoutCombiningMarks(filename), withoutCombiningMarks(decoded))) {
            String name = shown.toLowerCase(Locale.ROOT).replaceAll("[. ]+$", "");
            int dot = name.lastIndexOf('.');
            if (dot >= 0 && extensions.contains(name.substring(dot + 1))) {
                return Optional.of("files of type ." + name.substring(dot + 1)
                        + " are not allowed as attachments (see BLOCKED_ATTACHMENTS)");
            }
        }
        String type = contentType.toLowerCase(Locale.ROOT).split(";", 2)[0].strip();
        if (contentTypes.contains(type)) {
            return Optional.of(type + " is not allowed as an attachment (see BLOCKED_ATTACHMENTS)");
        }
        return Optional.empty();
    }

    private static String withEncodedWordsDecoded(String filename) {
        Matcher word = ENCODED_WORD.matcher(filename);
        StringBuilder out = new StringBuilder();
        while (word.find()) {
            String decoded;
            try {
                decoded = MimeUtility.decodeWord(word.group());
            } catch (ParseException | UnsupportedEncodingException e) {
                decoded = word.group();
            }
            word.appendReplacement(out, Matcher.quoteReplacement(decoded));
        }
        return word.appendTail(out).toString();
    }

    private static String withoutCombiningMarks(String filename) {
        String decomposed = Normalizer.normalize(filename, Normalizer.Form.NFD);
        StringBuilder out = new StringBuilder(decomposed.length());
        for (int i = 0; i < decomposed.length(); i++) {
            if (Character.getType(decomposed.charAt(i)) != Character.NON_SPACING_MARK) {
                out.append(decomposed.charAt(i));
            }
        }
        return out.toString();
    }
}
