package dev.relaymail.secrets;

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
     * {@code {"username", "tokenEndpoint", "clientId", "clientSecret", "scope"?}} (the client-credentials grant) or
     * {@code {"username", "serviceAccount", "scope"?}} (a Google service account's JWT bearer grant).
     */
    record OAuth2(OAuth2Client client) implements SmtpSecret {
        @Override
        public String form() {
            return client.grant() instanceof TokenGrant.ServiceAccount ? "Google service account" : "OAuth2 client";
        }
    }
}
