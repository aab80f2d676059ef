package dev.tokenservices.core.web;

import dev.tokenservices.shared.http.MalformedRequests;
import jakarta.ws.rs.core.Response;

/**
 * The pages a service shows people whose browser sent a request {@link MalformedRequestHandler}
 * refuses; a service without such a bean answers every refusal as RFC 6749 §5.2 JSON.
 */
public interface RefusalPages {

    /** @return whether {@code path} is one people arrive at in a browser (everything else is for programs) */
    boolean forBrowser(String path);

    /** The page for a request target or body refused before anything decoded it. */
    Response refused(MalformedRequests.Refusal refusal);

    /** The page for a 4xx that Vert.x Web itself answered. */
    Response refused(int status);
}
