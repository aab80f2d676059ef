package dev.tokenservices.core.authority;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class InteractionTest {

    @Test
    void theLinkAddsTicketAndReturnToFormEncodedToTheUrlsQuery() {
        String returnTo = "https://portal.example/device/consent";
        assertEquals("https://media.example/subscribe?ticket=t-1_x&return_to=https%3A%2F%2Fportal.example%2Fdevice%2Fconsent",
                new Interaction("https://media.example/subscribe", "subscription_required", "m").link("t-1_x", returnTo));
        assertEquals("https://media.example/subscribe?offer=a%20b&ticket=t&return_to=https%3A%2F%2Fportal.example%2Fdevice%2Fconsent",
                new Interaction("https://media.example/subscribe?offer=a%20b", "r", "m").link("t", returnTo));
        assertEquals("https://media.example/subscribe?ticket=t&return_to=x%26y%3Dz",
                new Interaction("https://media.example/subscribe?", "r", "m").link("t", "x&y=z"));
    }
}
