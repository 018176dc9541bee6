package dev.relaymail.secrets;

import dev.relaymail.secrets.oauth2.OAuth2Client;
import dev.relaymail.secrets.oauth2.TokenGrant;

/** What the SMTP credentials secret holds: a password, or the settings to get OAuth2 access tokens with. */
sealed interface SmtpSecret permits SmtpSecret.Password, SmtpSecret.OAuth2 {

    /** Which form it is, for logs. */
    String form();

    /** {@code {"username", "password"}}: the credentials themselves. */
    record Password(Credentials credentials) implements SmtpSecret {
        @Override
        public String form() {
            return "password";
        }
    }

    /**
     * {@code {"username", "tokenEndpoint", "clientId", "clientSecret", "scope"?}} (the client-credentials grant), the
     * same with a {@code "refreshToken"} ({@code "clientSecret"} optional: the refresh-token grant) or
     * {@code {"username", "serviceAccount", "scope"?}} (a Google service account's JWT bearer grant).
     */
    record OAuth2(OAuth2Client client) implements SmtpSecret {
        @Override
        public String form() {
            if (client.grant() instanceof TokenGrant.ServiceAccount) {
                return "Google service account";
            }
            return client.grant() instanceof TokenGrant.Client c
                            && c.refreshToken().isPresent()
                    ? "OAuth2 refresh token"
                    : "OAuth2 client";
        }
    }
}
