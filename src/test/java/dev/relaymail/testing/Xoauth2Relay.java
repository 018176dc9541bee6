package dev.relaymail.testing;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Scripts a {@link ScriptedRelay} the way Exchange Online answers with Basic auth off: it offers LOGIN and XOAUTH2,
 * accepts {@code AUTH XOAUTH2} from one user with a token the test accepts, refuses any other token with 535 and any
 * other mechanism with 504.
 */
public final class Xoauth2Relay {
    public static final String EXTENSIONS = "250-scripted.example\r\n250-PIPELINING\r\n250-AUTH LOGIN XOAUTH2\r\n"
            + "250-8BITMIME\r\n250 SIZE 52428800";

    private Xoauth2Relay() {}

    public static ScriptedRelay acceptOnly(ScriptedRelay relay, String username, Predicate<String> token) {
        return relay.extensions(EXTENSIONS).on("AUTH", c -> {
            String[] words = c.line().split(" ");
            if (words.length != 3 || !words[1].equals("XOAUTH2")) {
                return ScriptedRelay.reply("504 5.7.4 Unrecognized authentication type");
            }
            Optional<String> bearer = bearer(c.line(), username);
            return bearer.isPresent() && token.test(bearer.get())
                    ? ScriptedRelay.reply("235 2.7.0 Authentication successful")
                    : ScriptedRelay.reply("535 5.7.3 Authentication unsuccessful");
        });
    }

    /** The decoded initial response of an {@code AUTH XOAUTH2} command line, or empty for another command. */
    private static Optional<String> payload(String authLine) {
        String[] words = authLine.split(" ");
        if (words.length != 3 || !words[0].equals("AUTH") || !words[1].equals("XOAUTH2")) {
            return Optional.empty();
        }
        try {
            return Optional.of(new String(Base64.getDecoder().decode(words[2]), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The token of a well-formed XOAUTH2 response ({@code user=…^Aauth=Bearer …^A^A}) for this user. */
    public static Optional<String> bearer(String authLine, String username) {
        String prefix = "user=" + username + "\u0001auth=Bearer ";
        return payload(authLine)
                .filter(p -> p.startsWith(prefix) && p.endsWith("\u0001\u0001"))
                .map(p -> p.substring(prefix.length(), p.length() - 2));
    }

    /** Every AUTH command line the relay received. */
    public static List<String> authLines(ScriptedRelay relay) {
        return relay.commands().stream()
                .filter(c -> c.verb().equals("AUTH"))
                .map(ScriptedRelay.Command::line)
                .toList();
    }
}
