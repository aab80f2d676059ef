package dev.tokenservices.core.jose;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import dev.tokenservices.shared.jose.KeyAlgorithm;
import dev.tokenservices.shared.jose.SigningKey;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;

/**
 * Which keys of a JWK Set may have signed a header (RFC 7517 §4, RFC 8725 §3.1): {@code kid},
 * key type, curve, {@code alg} and {@code use} must agree, and a private key is never used.
 */
public final class JwtKeys {

    /**
     * Each key's JCA form, made once: converting a JWK costs more than verifying. Few, trusted keys;
     * emptied should it ever grow past 1,000.
     */
    private static final ConcurrentMap<JWK, PublicKey> PUBLIC_KEYS = new ConcurrentHashMap<>();

    private JwtKeys() {
    }

    /** A key selector over the JWK Set a verification is given. */
    public static <C extends SecurityContext> JWSKeySelector<C> from(Function<C, JWKSet> keys) {
        return (header, context) -> {
            JWKSet set = keys.apply(context);
            return set == null ? List.of() : publicKeys(matching(set, header));
        };
    }

    /** A key selector over our own signing keys: the header's {@code kid} names the key, and its {@code alg} must be the key's. */
    public static <C extends SecurityContext> JWSKeySelector<C> own(Function<String, Optional<SigningKey>> byKid) {
        return (header, context) -> header.getKeyID() == null
                ? List.of()
                : byKid.apply(header.getKeyID())
                        .filter(key -> key.algorithm().name().equals(header.getAlgorithm().getName()))
                        .<List<Key>>map(key -> List.of(key.publicKey()))
                        .orElse(List.of());
    }

    public static List<JWK> matching(JWKSet keys, JWSHeader header) {
        JWSAlgorithm alg = header.getAlgorithm();
        List<JWK> out = new ArrayList<>();
        for (JWK key : keys.getKeys()) {
            if (header.getKeyID() != null && !header.getKeyID().equals(key.getKeyID())) {
                continue;
            }
            if (!KeyType.forAlgorithm(alg).equals(key.getKeyType())) {
                continue;
            }
            if (key.getAlgorithm() != null && !key.getAlgorithm().getName().equals(alg.getName())
                    && !(JWSAlgorithm.Family.ED.contains(alg) && JWSAlgorithm.Family.ED.contains(JWSAlgorithm.parse(key.getAlgorithm().getName())))) {
                continue;
            }
            if (key.getKeyUse() != null && !KeyUse.SIGNATURE.equals(key.getKeyUse())) {
                continue;
            }
            if (key instanceof ECKey ec && !Curve.forJWSAlgorithm(alg).contains(ec.getCurve())) {
                continue;
            }
            if (key instanceof OctetKeyPair okp && !Curve.Ed25519.equals(okp.getCurve())) {
                continue;
            }
            if (key.isPrivate()) {
                continue;
            }
            out.add(key);
        }
        return out;
    }

    private static List<Key> publicKeys(List<JWK> keys) {
        List<Key> out = new ArrayList<>(keys.size());
        for (JWK key : keys) {
            PublicKey known = PUBLIC_KEYS.get(key);
            if (known == null) {
                if (PUBLIC_KEYS.size() > 1000) {
                    PUBLIC_KEYS.clear();
                }
                try {
                    known = KeyAlgorithm.publicKey(key);
                } catch (GeneralSecurityException | RuntimeException e) {
                    continue; // a key that cannot be read is not the key
                }
                PUBLIC_KEYS.put(key, known);
            }
            out.add(known);
        }
        return out;
    }
}
