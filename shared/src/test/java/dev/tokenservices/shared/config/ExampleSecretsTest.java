package dev.tokenservices.shared.config;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class ExampleSecretsTest {

    @Test
    void valuesWithChangeMeOrExampleAreExamplesWhateverTheCase() {
        assertTrue(ExampleSecrets.looksLikeExample("change-me-orchestrator-secret-00000000000000"));
        assertTrue(ExampleSecrets.looksLikeExample("CHANGE-ME-please-0123456789abcdef0123456789"));
        assertTrue(ExampleSecrets.looksLikeExample("my-Example-secret-0123456789abcdef0123456789"));
        assertTrue(ExampleSecrets.looksLikeExample("EXAMPLE"));
    }

    @Test
    void aBase64EncodedExampleIsAnExampleToo() {
        // the dev overlay's old master key: base64 of "change-me-dev-master-key-32bytes"
        assertTrue(ExampleSecrets.looksLikeExample("Y2hhbmdlLW1lLWRldi1tYXN0ZXIta2V5LTMyYnl0ZXM="));
        String urlSafe = Base64.getUrlEncoder().encodeToString("an example key of 32 bytes!!!!!!".getBytes(StandardCharsets.UTF_8));
        assertTrue(ExampleSecrets.looksLikeExample(urlSafe));
    }

    @Test
    void randomSecretsAreNot() {
        SecureRandom random = new SecureRandom();
        for (int i = 0; i < 1000; i++) {
            byte[] bytes = new byte[32];
            random.nextBytes(bytes);
            assertFalse(ExampleSecrets.looksLikeExample(Base64.getEncoder().encodeToString(bytes)));
            assertFalse(ExampleSecrets.looksLikeExample(HexFormat.of().formatHex(bytes)));
        }
        assertFalse(ExampleSecrets.looksLikeExample(""));
        assertFalse(ExampleSecrets.looksLikeExample(null));
        assertFalse(ExampleSecrets.looksLikeExample("change_me is not the marker, nor is exampl"));
    }

    @Test
    void outsideDevAndTestAnExampleStopsStartUpNamingTheVariableNotTheValue() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ExampleSecrets.forLaunchMode(false).check("TS_KEY_ENCRYPTION_KEY", "Y2hhbmdlLW1lLWRldi1tYXN0ZXIta2V5LTMyYnl0ZXM="));
        assertTrue(e.getMessage().startsWith("TS_KEY_ENCRYPTION_KEY looks like an example value"), e.getMessage());
        assertFalse(e.getMessage().contains("Y2hhbmdl"), "the value is never in the message");
        assertDoesNotThrow(() -> ExampleSecrets.REFUSED.check("ORCHESTRATOR_SECRET", "3f9c0a7d1b2e4f60a8c9d7e6b5a4f3e2d1c0b9a8f7e6d5c4"));
    }

    @Test
    void devAndTestModeAreExempt() {
        assertDoesNotThrow(() -> ExampleSecrets.forLaunchMode(true).check("ORCHESTRATOR_SECRET", "change-me-orchestrator-secret-0000"));
        assertFalse(ExampleSecrets.ALLOWED.refuses("change-me"));
        assertTrue(ExampleSecrets.REFUSED.refuses("change-me"));
    }
}
