package dev.tokenservices.token.keys;

import dev.tokenservices.shared.jose.SigningKeyRow;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;

/** The token service's signing keys (migration V1). */
@Entity
@Table(name = SigningKeyEntity.TABLE)
public class SigningKeyEntity extends SigningKeyRow {

    static final String TABLE = "signing_key";
}
