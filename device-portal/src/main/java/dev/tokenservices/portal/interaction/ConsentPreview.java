package dev.tokenservices.portal.interaction;

import dev.tokenservices.core.authority.InteractionRequired;
import java.util.List;

/**
 * What the device's poll would be granted if the user approved now, as the scope authorities answer
 * the consent page: the scopes granted, those that wait for something the user is asked to do at an
 * API's page, and those no authority grants now (rejected, or the authority failed under
 * {@code on_failure: drop}).
 *
 * @param checked false when the authorities could not be asked (an authority under {@code on_failure: deny}
 *                did not answer, or too many calls were in flight): then {@code granted} lists every
 *                requested scope, as before any authority was asked, and the page says that they are checked
 *                when the device asks
 */
public record ConsentPreview(List<String> granted, List<Waiting> waiting, List<String> unavailable, boolean checked) {

    public ConsentPreview {
        granted = List.copyOf(granted);
        waiting = List.copyOf(waiting);
        unavailable = List.copyOf(unavailable);
    }

    /** One API's page the user is asked to visit first, and the scopes of that API that wait for it. */
    public record Waiting(InteractionRequired interaction, List<String> scopes) {

        public Waiting {
            scopes = List.copyOf(scopes);
        }
    }
}
