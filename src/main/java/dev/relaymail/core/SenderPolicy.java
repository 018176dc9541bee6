package dev.relaymail.core;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Which {@code from} addresses the function may send as, so that it is never an open relay. Entries are exact
 * addresses ({@code billing@example.com}) or whole domains ({@code @example.com}, that domain only, not its
 * subdomains). Domains are compared as lower-case IDNA A-labels and local parts case-insensitively.
 */
public final class SenderPolicy {
    private final Set<String> addresses;
    private final Set<String> domains;

    private SenderPolicy(Set<String> addresses, Set<String> domains) {
        if (addresses.isEmpty() && domains.isEmpty()) {
            throw new IllegalArgumentException("no sender is allowed");
        }
        this.addresses = Set.copyOf(addresses);
        this.domains = Set.copyOf(domains);
    }

    /** Only this one address. */
    public static SenderPolicy only(MailAddress address) {
        return new SenderPolicy(Set.of(key(address)), Set.of());
    }

    /**
     * Parses a comma-separated list of addresses and {@code @domain} entries.
     *
     * @throws IllegalArgumentException naming the entry that does not parse
     */
    public static SenderPolicy parse(String list) {
        Set<String> addresses = new LinkedHashSet<>();
        Set<String> domains = new LinkedHashSet<>();
        for (String raw : list.split(",")) {
            String entry = raw.strip();
            if (entry.isEmpty()) {
                continue;
            }
            try {
                if (entry.startsWith("@")) {
                    domains.add(MailAddress.asciiDomain(entry.substring(1)));
                } else {
                    MailAddress address = MailAddress.parse(entry);
                    if (address.displayName().isPresent()) {
                        throw new MailAddress.AddressFormatException("must be a bare address without a display name");
                    }
                    addresses.add(key(address));
                }
            } catch (MailAddress.AddressFormatException e) {
                throw new IllegalArgumentException("entry '" + entry + "' " + e.getMessage(), e);
            }
        }
        return new SenderPolicy(addresses, domains);
    }

    public boolean allows(MailAddress from) {
        return domains.contains(from.domain()) || addresses.contains(key(from));
    }

    /** Refuses a sender outside the policy with a 403-class rejection that names the address. */
    public void check(MailAddress from) throws RequestRejectedException {
        if (!allows(from)) {
            throw new RequestRejectedException(
                    RequestRejectedException.Reason.SENDER_NOT_ALLOWED,
                    List.of(new FieldError("from", from.address() + " is not an allowed sender (see ALLOWED_FROM)")));
        }
    }

    /** A domain this policy allows, for names that must not need DNS (EHLO). */
    public Optional<String> anyDomain() {
        return domains.stream()
                .findFirst()
                .or(() -> addresses.stream().findFirst().map(a -> a.substring(a.lastIndexOf('@') + 1)));
    }

    private static String key(MailAddress address) {
        return address.localPart().toLowerCase(Locale.ROOT) + "@" + address.domain();
    }
}
