package dev.tokenservices.token.authority;

import dev.tokenservices.token.subject.Subject;

/** Who asks for what, as the authorities are told (the contract's webhook request). */
public record AuthorityRequest(String clientId, String grantType, Subject subject) {
}
