package dev.tokenservices.token.config;

import dev.tokenservices.shared.registry.AuthMethod;
import dev.tokenservices.shared.registry.ClientEntry;
import dev.tokenservices.shared.registry.ResourceEntry;
import dev.tokenservices.shared.registry.TrustedIssuerEntry;
import dev.tokenservices.shared.registry.UpstreamIdpEntry;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Types that Jackson reads and writes through our own mappers (the registry rows in PostgreSQL), so a
 * native image keeps their constructors and accessors. Everything else is written by hand.
 */
@RegisterForReflection(targets = {ClientEntry.class, ResourceEntry.class, ResourceEntry.Authority.class,
        ResourceEntry.OnFailure.class, TrustedIssuerEntry.class, UpstreamIdpEntry.class, AuthMethod.class})
public final class NativeReflection {
    private NativeReflection() {
    }
}
