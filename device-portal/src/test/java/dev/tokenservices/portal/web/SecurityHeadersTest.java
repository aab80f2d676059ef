package dev.tokenservices.portal.web;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The CSP names the OIDC provider by origin only (a path in form-action would match one URL). */
class SecurityHeadersTest {

    @Test
    void theProviderOriginDropsPathAndKeepsAnExplicitPort() {
        assertEquals(Optional.of("https://login.example"), SecurityHeaders.origin("https://Login.Example/realms/main/"));
        assertEquals(Optional.of("http://localhost:8082"), SecurityHeaders.origin("http://localhost:8082"));
        assertEquals(Optional.empty(), SecurityHeaders.origin("not a url"));
        assertEquals(Optional.empty(), SecurityHeaders.origin("/relative"));
    }

    @Test
    void thePolicyHasNoInlineAndNamesTheProviderInFormAction() {
        assertEquals("default-src 'self'; frame-ancestors 'none'; form-action 'self' https://login.example; base-uri 'none'",
                SecurityHeaders.policy(java.util.List.of("https://login.example")));
        assertEquals("default-src 'self'; frame-ancestors 'none'; form-action 'self' https://login.example https://accounts.google.com; base-uri 'none'",
                SecurityHeaders.policy(java.util.List.of("https://login.example", "https://accounts.google.com")));
        assertEquals("default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
                SecurityHeaders.policy(java.util.List.of()));
    }
}
