package dev.relaymail.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Set;
import org.junit.jupiter.api.Test;

class RelayAddressTest {

    @Test
    void isEqualByHostAndPortAsARecordIs() {
        RelayAddress relay = new RelayAddress("relay.example.com", 587);

        assertEquals(new RelayAddress("relay.example.com", 587), relay);
        assertEquals(new RelayAddress("relay.example.com", 587).hashCode(), relay.hashCode());
        assertNotEquals(new RelayAddress("relay.example.com", 2525), relay);
        assertNotEquals(new RelayAddress("backup.example.com", 587), relay);
        assertNotEquals(relay, "relay.example.com:587");
        assertEquals(2, Set.of(relay, new RelayAddress("[2001:db8::25]", 587)).size());
    }
}
