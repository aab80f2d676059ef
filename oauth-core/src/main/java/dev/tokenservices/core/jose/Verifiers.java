package dev.tokenservices.core.jose;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.crypto.impl.EdDSAProvider;
import com.nimbusds.jose.proc.JWSVerifierFactory;
import com.nimbusds.jose.util.Base64URL;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.PublicKey;
import java.security.Signature;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Nimbus's verifiers for RSA and ECDSA; for Ed25519 a Nimbus {@link JWSVerifier} over the JDK's
 * {@code Ed25519} signature, because Nimbus's own Ed25519 verifier needs Google Tink (and with it
 * protobuf) on the class path, which nothing else here uses (see README, "Design decisions").
 */
final class Verifiers implements JWSVerifierFactory {

    static final Verifiers INSTANCE = new Verifiers();

    private final DefaultJWSVerifierFactory nimbus = new DefaultJWSVerifierFactory();

    /**
     * A verifier per key and algorithm, made once: Nimbus checks an EC key's point against its curve
     * when it makes one, which costs more than the check of a signature. Keyed by the key object:
     * the key selectors hand out one object per key ({@link JwtKeys}, our own signing keys); thread
     * safe (each verification takes a {@link Signature} of its own). Emptied should it ever grow past
     * 1,000.
     */
    private final ConcurrentMap<Made, JWSVerifier> made = new ConcurrentHashMap<>();

    /** A key by identity, with the algorithm it verifies. */
    private record Made(Key key, JWSAlgorithm algorithm) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Made m && m.key == key && m.algorithm.equals(algorithm);
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(key) * 31 + algorithm.hashCode();
        }
    }

    @Override
    public JWSVerifier createJWSVerifier(JWSHeader header, Key key) throws JOSEException {
        Made id = new Made(key, header.getAlgorithm());
        JWSVerifier known = made.get(id);
        if (known == null) {
            if (made.size() > 1000) {
                made.clear();
            }
            known = create(header, key);
            made.put(id, known);
        }
        return known;
    }

    private JWSVerifier create(JWSHeader header, Key key) throws JOSEException {
        if (JWSAlgorithm.Family.ED.contains(header.getAlgorithm())) {
            if (!(key instanceof PublicKey publicKey) || !"Ed25519".equalsIgnoreCase(publicKey.getAlgorithm())
                    && !"EdDSA".equalsIgnoreCase(publicKey.getAlgorithm())) {
                throw new JOSEException("an Ed25519 signature needs an Ed25519 public key");
            }
            return new Ed25519(publicKey);
        }
        return nimbus.createJWSVerifier(header, key);
    }

    @Override
    public com.nimbusds.jose.jca.JCAContext getJCAContext() {
        return nimbus.getJCAContext();
    }

    @Override
    public java.util.Set<JWSAlgorithm> supportedJWSAlgorithms() {
        return nimbus.supportedJWSAlgorithms();
    }

    /** RFC 8037 §3.1: Ed25519 over the JWS signing input. */
    private static final class Ed25519 extends EdDSAProvider implements JWSVerifier {

        private final PublicKey key;

        Ed25519(PublicKey key) {
            this.key = key;
        }

        @Override
        public boolean verify(JWSHeader header, byte[] signingInput, Base64URL signature) throws JOSEException {
            if (header.getCriticalParams() != null && !header.getCriticalParams().isEmpty()) {
                return false;
            }
            try {
                Signature verifier = Signature.getInstance("Ed25519");
                verifier.initVerify(key);
                verifier.update(signingInput);
                return verifier.verify(signature.decode());
            } catch (GeneralSecurityException e) {
                throw new JOSEException("Ed25519 verification failed: " + e.getMessage(), e);
            }
        }
    }
}
