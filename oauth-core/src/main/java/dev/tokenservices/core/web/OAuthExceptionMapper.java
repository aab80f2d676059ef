package dev.tokenservices.core.web;

import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.oauth.OAuthResponses;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The one place errors become HTTP in both authorization servers, as {@link OAuthResponses} writes
 * them: OAuth errors as RFC 6749 §5.2 JSON (401 with {@code WWW-Authenticate}), the framework's 4xx in
 * the same shape, anything unexpected a bare {@code server_error}.
 */
public class OAuthExceptionMapper {

    private static final Logger LOG = Logger.getLogger(OAuthExceptionMapper.class);

    private final String realm;

    /** @param realm the {@code WWW-Authenticate} realm of a 401: the service's name for its clients */
    public OAuthExceptionMapper(@ConfigProperty(name = "tokenservices.oauth.realm", defaultValue = "tokenservices") String realm) {
        this.realm = realm;
    }

    @ServerExceptionMapper
    public Response oauth(OAuthException e) {
        return OAuthResponses.oauth(e, realm);
    }

    @ServerExceptionMapper
    public Response framework(WebApplicationException e) {
        return OAuthResponses.framework(e, LOG);
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        return OAuthResponses.unexpected(e, LOG);
    }
}
