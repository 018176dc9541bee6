package dev.relaymail.events;

import java.util.Objects;
import java.util.Optional;

/**
 * Where delivery events go.
 *
 * @param busName       the EventBridge bus ({@code EVENT_BUS_NAME}, a name or an ARN); empty: no events
 * @param fullAddresses whether events carry the recipients' addresses in full ({@code EVENT_ADDRESSES=full}) rather
 *                      than masked as the logs mask them
 */
public record EventSettings(Optional<String> busName, boolean fullAddresses) {
    public EventSettings {
        Objects.requireNonNull(busName, "busName");
    }
}
