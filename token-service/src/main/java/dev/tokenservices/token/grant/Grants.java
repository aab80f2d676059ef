package dev.tokenservices.token.grant;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** The grant handlers by grant type, collected once; two handlers for one grant type stop start-up. */
@ApplicationScoped
public class Grants {

    private final Map<String, GrantHandler> byType;

    public Grants(Instance<GrantHandler> handlers) {
        Map<String, GrantHandler> map = new HashMap<>();
        for (GrantHandler handler : handlers) {
            GrantHandler previous = map.putIfAbsent(handler.grantType(), handler);
            if (previous != null) {
                throw new IllegalStateException("grant type " + handler.grantType() + " is handled by both "
                        + previous.getClass().getSimpleName() + " and " + handler.getClass().getSimpleName());
            }
        }
        this.byType = Map.copyOf(map);
    }

    public Optional<GrantHandler> handler(String grantType) {
        return grantType == null ? Optional.empty() : Optional.ofNullable(byType.get(grantType));
    }

    public java.util.Set<String> supported() {
        return byType.keySet();
    }
}
