package dev.realtime.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Checks that bytes are exactly one JSON value in strict UTF-8, under the same limits as a JSON
 * frame: nesting depth, 64-digit numbers, no trailing data. Used where JSON text arrives without a
 * JSON parse of its own (the {@code rt.binary.v1} data kind 1) and where stored events are read
 * back, because JSON clients embed such data byte for byte: anything less than one valid value could
 * forge envelope keys or break their connection.
 *
 * <p>Immutable and thread-safe.
 */
public final class JsonValue {
    private final JsonFactory factory;

    /** @param maxDepth deepest nesting accepted inside the value (1 = scalars, flat arrays and objects) */
    public JsonValue(int maxDepth) {
        this.factory = limitedFactory(maxDepth);
    }

    /** The JSON path's parser limits: {@code maxDepth} levels, numbers of at most 64 digits, any string length. */
    static JsonFactory limitedFactory(int maxDepth) {
        return JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(maxDepth)
                        .maxStringLength(Integer.MAX_VALUE / 4)
                        .maxNumberLength(64)
                        .build())
                .build();
    }

    /** {@code null} when {@code utf8} is one valid JSON value, else why not (safe to show a client). */
    public String problem(byte[] utf8) {
        if (!strictUtf8(utf8)) {
            return "data is not valid UTF-8";
        }
        try (JsonParser p = factory.createParser(utf8)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                return "data is empty";
            }
            if (first.isStructStart()) {
                p.skipChildren(); // checks the structure and the depth without building anything
            } else {
                p.finishToken();
            }
            if (p.nextToken() != null) {
                return "data holds more than one JSON value";
            }
            return null;
        } catch (StreamConstraintsException e) {
            return "data nested too deeply or with too long a number";
        } catch (IOException | RuntimeException e) {
            return "data is not valid JSON";
        }
    }

    /** Whether {@code utf8} is one valid JSON value. */
    public boolean isValid(byte[] utf8) {
        return problem(utf8) == null;
    }

    /**
     * Strict UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF), as browsers require of
     * text frames. Jackson alone lets some of these through.
     */
    static boolean strictUtf8(byte[] b) {
        int i = 0;
        while (i < b.length && b[i] >= 0) {
            i++;
        }
        if (i == b.length) {
            return true; // ASCII, the common case
        }
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b, i, b.length - i));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
