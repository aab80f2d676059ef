package dev.tokenservices.portal.web;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.portal.config.PortalConfig;
import java.lang.reflect.Proxy;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** TS_TRUSTED_PROXIES is checked at start-up: a range that does not parse stops the portal, naming the setting. */
class ClientAddressesTest {

    private static PortalConfig trusting(String proxies) {
        return (PortalConfig) Proxy.newProxyInstance(PortalConfig.class.getClassLoader(), new Class<?>[] {PortalConfig.class},
                (proxy, method, args) -> method.getName().equals("trustedProxies") ? Optional.of(proxies) : null);
    }

    @Test
    void aRangeThatDoesNotParseStopsStartUpNamingTheSetting() {
        for (String bad : new String[] {"10.0.0.0/33", "ingress.local", "10.0.0.0/8, 300.1.1.1"}) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> new ClientAddresses(trusting(bad)));
            assertTrue(e.getMessage().startsWith("TS_TRUSTED_PROXIES (portal.trusted-proxies): "), e.getMessage());
        }
    }

    @Test
    void rangesAndAddressesAreAccepted() {
        new ClientAddresses(trusting("10.0.0.0/8, 192.168.1.7 fd00::/8"));
    }
}
