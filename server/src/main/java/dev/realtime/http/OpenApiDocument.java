package dev.realtime.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.realtime.server.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The OpenAPI 3.1 description of the node's HTTP API ({@code api/openapi.json} on the classpath),
 * served at {@code GET /api/openapi.json}. The bundled file documents the WebSocket endpoint at its
 * default path {@code /ws}; a node with another {@code WS_PATH} serves it under that path. Built once;
 * immutable.
 */
public final class OpenApiDocument {
    public static final String RESOURCE = "/api/openapi.json";

    private final byte[] json;

    public OpenApiDocument(String wsPath) {
        this.json = Json.bytes(forWsPath(load(), wsPath));
    }

    /** The document as served. */
    public byte[] bytes() {
        return json.clone();
    }

    /** The bundled document, parsed. */
    public static JsonNode load() {
        try (InputStream in = OpenApiDocument.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("bundled resource " + RESOURCE + " is missing");
            }
            return Json.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode forWsPath(JsonNode doc, String wsPath) {
        String bundled = HttpEndpoint.WEBSOCKET.path();
        if (wsPath.equals(bundled)) {
            return doc;
        }
        ObjectNode paths = (ObjectNode) doc.get("paths");
        Map<String, JsonNode> renamed = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = paths.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            renamed.put(e.getKey().equals(bundled) ? wsPath : e.getKey(), e.getValue());
        }
        paths.removeAll();
        renamed.forEach(paths::set);
        return doc;
    }
}
