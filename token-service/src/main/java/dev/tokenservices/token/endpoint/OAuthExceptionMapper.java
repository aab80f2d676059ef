package dev.tokenservices.token.endpoint;

import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.oauth.OAuthResponses;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** The one place errors become HTTP in the token service, as {@link OAuthResponses} writes them. */
public class OAuthExceptionMapper {

    private static final Logger LOG = Logger.getLogger(OAuthExceptionMapper.class);

    @ServerExceptionMapper
    public Response oauth(OAuthException e) {
        return OAuthResponses.oauth(e, "tokenservices");
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
