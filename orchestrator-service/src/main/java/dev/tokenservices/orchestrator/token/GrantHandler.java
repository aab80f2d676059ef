package dev.tokenservices.orchestrator.token;

import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.shared.registry.ClientEntry;
import io.smallrye.mutiny.Uni;
import java.util.Map;

/** One grant type at the orchestrator's token endpoint. */
public interface GrantHandler {

    String grantType();

    /** The token response body (RFC 6749 §5.1 plus the contract's fields). */
    Uni<Map<String, Object>> handle(FormRequest request, ClientEntry client);
}
