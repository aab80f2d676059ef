package dev.tokenservices.shared.jose;

import jakarta.persistence.Column;
import jakarta.persistence.Id;
import jakarta.persistence.MappedSuperclass;
import java.time.Instant;

/**
 * A signing key as stored, the columns both issuers' key tables share: each service maps its own
 * table with an entity extending this one. A key signs from {@code activatesAt} until the next
 * key's; {@code privateKey} is AES-256-GCM(PKCS#8) under the master key, the kid bound as associated
 * data (see {@link KeyEncryption}).
 */
@MappedSuperclass
public abstract class SigningKeyRow {

    @Id
    public String kid;
    @Column(name = "alg", nullable = false)
    public String algorithm;
    @Column(name = "public_jwk", nullable = false)
    public String publicJwk;
    @Column(name = "private_key", nullable = false)
    public byte[] sealedPrivateKey;
    @Column(name = "created_at", nullable = false)
    public Instant createdAt;
    @Column(name = "activates_at", nullable = false)
    public Instant activatesAt;

    KeyRepository.StoredKey stored() {
        return new KeyRepository.StoredKey(kid, KeyAlgorithm.valueOf(algorithm), publicJwk, sealedPrivateKey, createdAt, activatesAt);
    }

    void fill(KeyRepository.NewKey key, Instant created, Instant activates) {
        kid = key.kid();
        algorithm = key.algorithm().name();
        publicJwk = key.publicJwk();
        sealedPrivateKey = key.sealedPrivateKey();
        createdAt = created;
        activatesAt = activates;
    }
}
