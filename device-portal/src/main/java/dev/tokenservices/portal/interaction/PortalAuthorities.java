package dev.tokenservices.portal.interaction;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenservices.core.authority.AuthorityCalls;
import dev.tokenservices.core.authority.AuthorityClient;
import dev.tokenservices.core.authority.AuthorityLimits;
import dev.tokenservices.core.authority.AuthorityRequest;
import dev.tokenservices.core.authority.InteractionRequired;
import dev.tokenservices.core.authority.ScopeAuthorities;
import dev.tokenservices.core.authority.ScopeDecided;
import dev.tokenservices.core.http.EventLoopClients;
import dev.tokenservices.portal.config.PortalConfig;
import dev.tokenservices.portal.registry.DeviceClients;
import dev.tokenservices.portal.usercode.Approval;
import dev.tokenservices.portal.usercode.DeviceRequest;
import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.ClientEntry;
import dev.tokenservices.shared.registry.GrantTypes;
import dev.tokenservices.shared.registry.ResourceEntry;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The consent page's view of the scope authorities: the device's request put to them as the token
 * service's device grant will put it when the device polls after an approval (the client, the
 * requested scopes, or the client's whole allowance when the device asked for none; {@code grant_type}
 * device_code; the approving user's {@code sub}, issuer and identity claims exactly as the approval
 * records them), through oauth-core's guarded fan-out, so that the authorities see the same request
 * twice and the page can say beforehand what the device will get and what waits for the user.
 */
@ApplicationScoped
public class PortalAuthorities {

    private static final Logger LOG = Logger.getLogger(PortalAuthorities.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> CLAIMS = new TypeReference<>() {
    };

    private final EventLoopClients http;
    private final ScopeAuthorities authorities;
    private final DeviceClients registry;
    /** The token's audience when no scope has a resource; never shown or sent anywhere by the portal. */
    private final String fallbackAudience;

    /** Fails start-up, naming the setting, when {@code portal.authorities.*} holds an unusable bound. */
    public PortalAuthorities(Vertx vertx, MeterRegistry meters, PortalConfig config, DeviceClients registry) {
        PortalConfig.Authorities bounds = config.authorities();
        AuthorityLimits limits = new AuthorityLimits(bounds.circuitFailureThreshold(), bounds.circuitOpenDuration(),
                bounds.maxConnections(), bounds.maxConcurrentCalls(), bounds.maxWaiting(), bounds.maxResponseBytes());
        this.http = new EventLoopClients(vertx, limits.httpClientOptions("portal.authorities."));
        this.authorities = new ScopeAuthorities(new AuthorityCalls(new AuthorityClient(http), meters,
                PortalAuthorities::logged, limits));
        this.registry = registry;
        this.fallbackAudience = config.url().toString();
    }

    @PreDestroy
    void close() {
        http.close();
    }

    /** What approving would give the device now; never fails for an authority's sake (see {@link ConsentPreview#checked}). */
    public Uni<ConsentPreview> preview(DeviceRequest device, ClientEntry client, Approval approval) {
        List<String> requested = device.scopes().isEmpty() ? List.copyOf(client.scope()) : device.scopes();
        List<String> allowed = requested.stream().filter(client.scope()::contains).toList();
        Set<String> audiences = new LinkedHashSet<>();
        for (String scope : allowed) {
            ResourceEntry owner = registry.resourceOfScope(scope);
            if (owner != null) {
                audiences.add(owner.resource());
            }
        }
        AuthorityRequest request = AuthorityRequest.of(device.clientId(), GrantTypes.DEVICE_CODE, approval.subject(),
                approval.idp(), claims(approval.claimsJson()));
        return authorities.decide(request, allowed, List.copyOf(audiences), registry::resourceOfScope, fallbackAudience)
                .map(outcome -> {
                    List<ConsentPreview.Waiting> waiting = new ArrayList<>();
                    for (InteractionRequired interaction : outcome.interactions()) {
                        waiting.add(new ConsentPreview.Waiting(interaction, outcome.waiting().stream()
                                .filter(scope -> ownedBy(scope, interaction.resource())).toList()));
                    }
                    List<String> unavailable = requested.stream()
                            .filter(scope -> !outcome.scopes().contains(scope) && !outcome.waiting().contains(scope)).toList();
                    return new ConsentPreview(List.copyOf(outcome.scopes()), waiting, unavailable, true);
                })
                .onFailure(OAuthException.class).recoverWithItem(e -> {
                    // on_failure: deny, or too busy to ask: the device's poll will answer 503 and keep the approval
                    LOG.warnf("consent page for client %s without the authorities' answers: %s", device.clientId(), e.getMessage());
                    return new ConsentPreview(requested, List.of(), List.of(), false);
                });
    }

    private boolean ownedBy(String scope, String resource) {
        ResourceEntry owner = registry.resourceOfScope(scope);
        return owner != null && owner.resource().equals(resource);
    }

    private static Map<String, Object> claims(String json) {
        try {
            return JSON.readValue(json, CLAIMS);
        } catch (java.io.IOException e) {
            return Map.of();
        }
    }

    /** Every answer and failure, for the logs (the token service audits them when the device polls). */
    private static void logged(ScopeDecided decided) {
        if (decided.failed()) {
            LOG.warnf("scope authority of %s failed for the consent page of client %s: %s", decided.resource(),
                    decided.clientId(), decided.outcome());
        } else {
            LOG.debugf("scope authority of %s for the consent page of client %s: %s", decided.resource(), decided.clientId(),
                    decided.outcome());
        }
    }
}
