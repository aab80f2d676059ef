package dev.tokenservices.portal.web;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The portal's form posts ({@code application/x-www-form-urlencoded}, WHATWG URL §5), read by the
 * portal itself rather than by the framework's form parser: that parser fails outside the request's
 * handling on a field over its size limit or on broken percent-encoding, and the request then ends
 * in a 500 or no answer at all. Here a body that is not a form is one clear case: empty, and the
 * page says the request was not accepted. Field values may be any length (the body limit bounds
 * them); what they mean is checked where they are used.
 */
final class FormBody {

    private final Map<String, String> fields;

    private FormBody(Map<String, String> fields) {
        this.fields = fields;
    }

    /**
     * The fields of a form body, the first of each name winning; empty when the body has broken
     * percent-encoding or is not UTF-8.
     */
    static Optional<FormBody> parse(byte[] body) {
        Map<String, String> fields = new HashMap<>();
        if (body == null || body.length == 0) {
            return Optional.of(new FormBody(fields));
        }
        int start = 0;
        for (int i = 0; i <= body.length; i++) {
            if (i == body.length || body[i] == '&') {
                if (i > start) {
                    int eq = indexOf(body, (byte) '=', start, i);
                    Optional<String> name = decode(body, start, eq < 0 ? i : eq);
                    Optional<String> value = eq < 0 ? Optional.of("") : decode(body, eq + 1, i);
                    if (name.isEmpty() || value.isEmpty()) {
                        return Optional.empty();
                    }
                    fields.putIfAbsent(name.get(), value.get());
                }
                start = i + 1;
            }
        }
        return Optional.of(new FormBody(fields));
    }

    /** The field's value, or null when the form has no such field. */
    String get(String name) {
        return fields.get(name);
    }

    private static int indexOf(byte[] bytes, byte wanted, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == wanted) {
                return i;
            }
        }
        return -1;
    }

    /** Percent-decoding ({@code +} is a space), then strict UTF-8. */
    private static Optional<String> decode(byte[] bytes, int from, int to) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(to - from);
        for (int i = from; i < to; i++) {
            byte b = bytes[i];
            if (b == '+') {
                out.write(' ');
            } else if (b == '%') {
                int high = i + 2 < to ? Character.digit(bytes[i + 1], 16) : -1;
                int low = high >= 0 ? Character.digit(bytes[i + 2], 16) : -1;
                if (low < 0) {
                    return Optional.empty();
                }
                out.write(high * 16 + low);
                i += 2;
            } else {
                out.write(b);
            }
        }
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(out.toByteArray())).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }
}
