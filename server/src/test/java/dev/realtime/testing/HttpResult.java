package dev.realtime.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;

/** Status and body of an HTTP response. */
public record HttpResult(int status, String body, String contentType) {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    public JsonNode json() {
        try {
            return MAPPER.readTree(body);
        } catch (java.io.IOException e) {
            throw new UncheckedIOException("not JSON: " + body, e);
        }
    }
}
