package dev.tokenservices.token.authority;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
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
}
