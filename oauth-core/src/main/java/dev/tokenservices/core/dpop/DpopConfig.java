package dev.tokenservices.core.dpop;

import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * How an authorization server or resource server accepts DPoP proofs (RFC 9449), as each service
 * nests it in its own configuration ({@code ts.dpop.*}, {@code orchestrator.dpop.*}). Every value is
 * bounded; {@link DpopVerifier} refuses to start with one out of bounds, naming it.
 */
public interface DpopConfig {

    /** How old a proof's {@code iat} may be (RFC 9449 §11.1); its {@code jti} is remembered this long. At most 1 hour. */
    @WithDefault("60s")
    Duration maxAge();

    /** How far ahead of this server's clock a proof's {@code iat} may be (a client clock running fast). At most 5 minutes. */
    @WithDefault("5s")
    Duration clockSkew();

    /**
     * Server nonces (RFC 9449 §8): when on, a proof must carry the current nonce (or the previous one),
     * and a proof without it is answered {@code use_dpop_nonce} with the nonce in a {@code DPoP-Nonce} header.
     */
    @WithDefault("false")
    boolean nonces();

    /**
     * How long a nonce is current; the one before it is still accepted, so a nonce lives between one and
     * two periods. From 10 seconds to 1 hour.
     */
    @WithDefault("5m")
    Duration nonceLifetime();

    /** Longest {@code DPoP} header accepted, in characters: 512 to 16384 (an RSA-4096 proof is about 2,000). */
    @WithDefault("8192")
    int maxProofLength();
}
