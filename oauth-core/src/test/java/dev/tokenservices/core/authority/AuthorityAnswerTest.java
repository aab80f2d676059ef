package dev.tokenservices.core.authority;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AuthorityAnswerTest {

    @Test
    void answersAreReducedToWhatWasRequested() {
        List<String> requested = List.of("a.read", "a.write");
        assertEquals(List.of("a.read", "a.write"), List.copyOf(AuthorityAnswer.parse("{\"decision\":\"accept\"}", requested).orElseThrow().granted()));
        assertEquals(List.of("a.read"), List.copyOf(AuthorityAnswer.parse(
                "{\"decision\":\"modify\",\"scopes\":[\"a.read\",\"admin\"]}", requested).orElseThrow().granted()));
        assertTrue(AuthorityAnswer.parse("{\"decision\":\"reject\",\"scopes\":[\"a.read\"]}", requested).orElseThrow().granted().isEmpty());
        assertEquals(Optional.empty(), AuthorityAnswer.parse("{\"decision\":\"maybe\"}", requested));
        assertEquals(Optional.empty(), AuthorityAnswer.parse("{\"decision\":\"modify\"}", requested));
        assertEquals(Optional.empty(), AuthorityAnswer.parse("{\"decision\":\"accept\",\"claims\":[1]}", requested));
        assertEquals(Optional.empty(), AuthorityAnswer.parse("not json", requested));
        assertEquals(Optional.empty(), AuthorityAnswer.parse("[]", requested));
    }

    private static final List<String> REQUESTED = List.of("media.play", "media.browse");
    private static final String INTERACTION = "\"interaction\":{\"url\":\"https://media.example/subscribe?plan=plus\","
            + "\"reason\":\"subscription_required\",\"message\":\"Media Plus is needed to play videos.\"}";

    private static Optional<AuthorityAnswer> interaction(String members) {
        return AuthorityAnswer.parse("{\"decision\":\"interaction_required\"," + members + "}", REQUESTED);
    }

    @Test
    void interactionRequiredGrantsTheListedRequestedScopesAndHoldsBackTheRest() {
        AuthorityAnswer answer = interaction("\"scopes\":[\"media.browse\",\"admin\"],\"claims\":{\"plan\":\"free\"}," + INTERACTION)
                .orElseThrow();
        assertEquals(Set.of("media.browse"), answer.granted());
        assertEquals(Set.of("media.play"), answer.waiting());
        assertEquals(new Interaction("https://media.example/subscribe?plan=plus", "subscription_required",
                "Media Plus is needed to play videos."), answer.interaction().orElseThrow());
        assertEquals(java.util.Map.of("plan", "free"), answer.claims());
    }

    @Test
    void interactionRequiredWithoutScopesGrantsNothingNow() {
        AuthorityAnswer answer = interaction(INTERACTION).orElseThrow();
        assertTrue(answer.granted().isEmpty());
        assertEquals(List.of("media.play", "media.browse"), List.copyOf(answer.waiting()));
        assertTrue(answer.interaction().isPresent());
    }

    @Test
    void interactionRequiredGrantingAllThatWasRequestedLeavesNothingWaiting() {
        AuthorityAnswer answer = interaction("\"scopes\":[\"media.play\",\"media.browse\"]," + INTERACTION).orElseThrow();
        assertEquals(Set.of("media.play", "media.browse"), answer.granted());
        assertTrue(answer.waiting().isEmpty());
        assertTrue(answer.interaction().isEmpty());
    }

    @Test
    void malformedInteractionsAreNoAnswer() {
        String ok = "\"reason\":\"subscription_required\",\"message\":\"Subscribe.\"";
        for (String bad : List.of(
                "", // no interaction
                "\"interaction\":\"https://media.example/\"",
                "\"interaction\":{" + ok + "}", // no url
                "\"interaction\":{\"url\":42," + ok + "}",
                "\"interaction\":{\"url\":\"http://media.example/subscribe\"," + ok + "}", // http off loopback
                "\"interaction\":{\"url\":\"javascript:alert(1)\"," + ok + "}",
                "\"interaction\":{\"url\":\"/subscribe\"," + ok + "}",
                "\"interaction\":{\"url\":\"https://user@media.example/\"," + ok + "}",
                "\"interaction\":{\"url\":\"https://media.example/#x\"," + ok + "}",
                "\"interaction\":{\"url\":\"https://media.example/\\u000a\"," + ok + "}",
                "\"interaction\":{\"url\":\"https://media.example/\",\"reason\":\"has space\",\"message\":\"m\"}",
                "\"interaction\":{\"url\":\"https://media.example/\",\"reason\":\"" + "r".repeat(65) + "\",\"message\":\"m\"}",
                "\"interaction\":{\"url\":\"https://media.example/\",\"reason\":\"r\",\"message\":\"" + "m".repeat(513) + "\"}",
                "\"interaction\":{\"url\":\"https://media.example/\",\"reason\":\"r\",\"message\":\"line\\nbreak\"}",
                "\"interaction\":{\"url\":\"https://media.example/\",\"reason\":\"r\",\"message\":\"evil\u202e\"}",
                "\"interaction\":{\"url\":\"https://media.example/\",\"reason\":\"r\"}",
                "\"interaction\":{\"url\":\"https://media.example/\",\"reason\":[],\"message\":\"m\"}",
                "\"scopes\":\"media.play\"," + INTERACTION,
                "\"scopes\":[1]," + INTERACTION)) {
            String members = bad.isEmpty() ? "\"scopes\":[]" : bad;
            assertEquals(Optional.empty(), interaction(members), members);
        }
    }

    @Test
    void httpIsAllowedOnlyOnLoopback() {
        assertTrue(Interaction.validUrl("http://localhost:8090/subscribe"));
        assertTrue(Interaction.validUrl("http://127.0.0.1/subscribe"));
        assertTrue(Interaction.validUrl("http://[::1]:8090/subscribe"));
        assertTrue(Interaction.validUrl("https://media.example/subscribe?a=b"));
        assertFalse(Interaction.validUrl("http://localhost.example/subscribe"));
        assertFalse(Interaction.validUrl("http://10.0.0.1/subscribe"));
        assertFalse(Interaction.validUrl("ftp://media.example/"));
        assertFalse(Interaction.validUrl("https:///nohost"));
    }

    @Test
    void theTokenResponseMemberIsWrittenAndReadBackAlike() throws Exception {
        List<InteractionRequired> entries = List.of(new InteractionRequired("https://api.example/media",
                "https://media.example/subscribe", "subscription_required", "Say \"yes\" \\ please"));
        String json = InteractionRequired.json(entries);
        assertEquals("[{\"resource\":\"https://api.example/media\",\"url\":\"https://media.example/subscribe\","
                + "\"reason\":\"subscription_required\",\"message\":\"Say \\\"yes\\\" \\\\ please\"}]", json);
        ObjectMapper mapper = new ObjectMapper();
        assertEquals(Optional.of(entries), InteractionRequired.parse(mapper.readTree(json)));
        assertEquals(Optional.of(List.of()), InteractionRequired.parse(null));
        assertEquals(Optional.empty(), InteractionRequired.parse(mapper.readTree(
                "[{\"resource\":\"r\",\"url\":\"http://evil.example/\",\"reason\":\"r\",\"message\":\"m\"}]")));
        assertEquals(Optional.empty(), InteractionRequired.parse(mapper.readTree("{}")));
    }
}
