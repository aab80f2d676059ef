package dev.tokenservices.token.subject;

import io.smallrye.mutiny.Uni;
import java.util.Set;

/**
 * Turns a presented token of some RFC 8693 token type into a validated {@link Subject}. A token that
 * is invalid or unacceptable fails with {@code invalid_request} (RFC 8693 §2.2.2).
 */
public interface SubjectTokenResolver {

    /** The {@code subject_token_type} / {@code actor_token_type} values this resolver handles. */
    Set<String> tokenTypes();

    /** @param clientId the authenticated client presenting the token (some tokens only some clients may exchange) */
    Uni<Subject> resolve(String token, String tokenType, String clientId);
}
