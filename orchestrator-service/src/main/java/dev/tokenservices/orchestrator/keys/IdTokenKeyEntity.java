package dev.tokenservices.orchestrator.keys;

import dev.tokenservices.shared.jose.SigningKeyRow;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;

/** The orchestrator's id_token (and /userinfo access token) signing keys of every algorithm (migration V1). */
@Entity
@Table(name = IdTokenKeyEntity.TABLE)
public class IdTokenKeyEntity extends SigningKeyRow {

    static final String TABLE = "orchestrator_signing_key";
}
