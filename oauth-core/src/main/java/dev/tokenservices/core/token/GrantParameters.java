package dev.tokenservices.core.token;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The parameters one grant takes: those it requires (refused with {@code invalid_request} when
 * absent, in this order) and those it may read. A grant reads nothing else: RFC 6749 §3.2 has the
 * server ignore parameters it does not recognise, so another grant's parameters sent along are
 * ignored rather than refused, and never used.
 */
public record GrantParameters(List<String> required, Set<String> optional, Set<String> names) {

    public GrantParameters {
        required = List.copyOf(required);
        optional = Set.copyOf(optional);
        Set<String> all = new HashSet<>(required);
        all.addAll(optional);
        names = Set.copyOf(all);
    }

    public static GrantParameters required(String... names) {
        return new GrantParameters(List.of(names), Set.of(), Set.of());
    }

    public static GrantParameters optional(String... names) {
        return new GrantParameters(List.of(), Set.of(names), Set.of());
    }

    public GrantParameters andOptional(String... names) {
        return new GrantParameters(required, Set.of(names), Set.of());
    }

    /** These parameters with more optional ones (a service's extension of an RFC's grant). */
    public GrantParameters alsoOptional(String... names) {
        Set<String> more = new HashSet<>(optional);
        more.addAll(List.of(names));
        return new GrantParameters(required, more, Set.of());
    }
}
