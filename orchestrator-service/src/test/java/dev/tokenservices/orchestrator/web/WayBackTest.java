package dev.tokenservices.orchestrator.web;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The way back from an error page is a registered site, whatever the request says. */
class WayBackTest {

    @Test
    void theSiteOfTheNamedRegisteredRedirectUri() {
        List<String> shop = List.of("https://shop.example/cb", "https://Beta.Shop.example:8443/app/cb?x=1");
        assertEquals(Optional.of(new WayBack("The Shop", "https://beta.shop.example:8443/")),
                WayBack.of("The Shop", shop, "https://Beta.Shop.example:8443/app/cb?x=1"));
        assertEquals(Optional.of(new WayBack("The Shop", "https://shop.example/")), WayBack.of("The Shop", shop, null));
    }

    @Test
    void anUnregisteredRedirectUriIsNeverUsedTheFirstRegisteredOneIs() {
        List<String> shop = List.of("https://shop.example/cb");
        assertEquals(Optional.of(new WayBack("shop", "https://shop.example/")), WayBack.of("shop", shop, "https://evil.example/cb"));
        assertEquals(Optional.of(new WayBack("shop", "https://shop.example/")), WayBack.of("shop", shop, "https://shop.example/cb/"));
    }

    @Test
    void noWayBackToANativeAppOrAnOddAddress() {
        assertEquals(Optional.empty(), WayBack.of("App", List.of("com.example.app:/oauth2redirect"), null));
        assertEquals(Optional.empty(), WayBack.of("App", List.of("https://user@shop.example/cb"), null));
        assertEquals(Optional.empty(), WayBack.of("App", List.of(), null));
        assertEquals(Optional.of(new WayBack("App", "http://127.0.0.1:9000/")), WayBack.of("App", List.of("http://127.0.0.1:9000/cb"), null));
    }
}
