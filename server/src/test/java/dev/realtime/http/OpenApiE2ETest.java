package dev.realtime.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.testing.Http;
import dev.realtime.testing.HttpResult;
import dev.realtime.testing.TestNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /api/openapi.json} is a well-formed OpenAPI 3.1 document that lists exactly the routes
 * the node serves: every {@link HttpEndpoint} is in it, and every operation in it is answered by the
 * node (not 404).
 */
class OpenApiE2ETest {

    @Test
    void theDocumentListsEveryRouteAndEveryListedRouteIsServed() {
        try (TestNode node = TestNode.start()) {
            HttpResult res = node.get("/api/openapi.json");
            assertEquals(200, res.status());
            assertTrue(res.contentType().startsWith("application/json"), res.contentType());
            JsonNode doc = res.json();
            assertTrue(doc.get("openapi").asText().startsWith("3.1."), "OpenAPI 3.1");
            assertTrue(doc.path("info").path("title").isTextual() && doc.path("info").path("version").isTextual());

            Set<String> documented = operations(doc);
            Set<String> served = new TreeSet<>();
            for (HttpEndpoint e : HttpEndpoint.values()) {
                served.add(e.method().name().toLowerCase() + " " + e.path());
            }
            assertEquals(served, documented, "the document and the router list the same operations");

            JsonNode paths = doc.get("paths");
            for (HttpEndpoint e : HttpEndpoint.values()) {
                JsonNode op = paths.get(e.path()).get(e.method().name().toLowerCase());
                assertTrue(op.path("responses").size() > 0, e + " has responses");
                boolean keyed = op.path("security").toString().contains("apiKey");
                assertEquals(e.needsApiKey(), keyed, e + ": security matches the API key requirement");
                assertEquals(e.takesBody(), op.has("requestBody"), e + ": request body documented iff read");
                if (e.needsApiKey()) {
                    assertTrue(op.path("responses").has("401"), e + " documents 401");
                }
                // Served: a request as documented is answered by the route, never 404.
                String path = e.path().replace("{source}", "no-such-source");
                String method = e.method().name();
                Map<String, String> headers = e.needsApiKey() ? Map.of("internal-api-key", TestNode.API_KEY,
                        "Content-Type", "application/json") : Map.of();
                HttpResult answer = Http.send(node.http(path), method, e.takesBody() ? "{}" : null, headers);
                if (e == HttpEndpoint.EVENTS) {
                    assertTrue(answer.body().contains("no route for event source"), answer.body());
                } else {
                    assertNotEquals(404, answer.status(), e + " " + answer.body());
                }
            }
            assertEveryRefResolves(doc, doc);
        }
    }

    @Test
    void theWebSocketPathFollowsWsPath() {
        try (TestNode node = TestNode.start(Map.of("WS_PATH", "/realtime"))) {
            JsonNode paths = node.get("/api/openapi.json").json().get("paths");
            assertTrue(paths.has("/realtime"));
            assertTrue(!paths.has("/ws"));
        }
    }

    private static Set<String> operations(JsonNode doc) {
        Set<String> out = new TreeSet<>();
        Set<String> methods = new HashSet<>(List.of("get", "put", "post", "delete", "options", "head", "patch", "trace"));
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.get("paths").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> p = it.next();
            p.getValue().fieldNames().forEachRemaining(m -> {
                if (methods.contains(m)) {
                    out.add(m + " " + p.getKey());
                }
            });
        }
        return out;
    }

    private static void assertEveryRefResolves(JsonNode doc, JsonNode n) {
        if (n.isObject()) {
            JsonNode ref = n.get("$ref");
            if (ref != null) {
                String target = ref.asText();
                assertTrue(target.startsWith("#/"), target);
                JsonNode at = doc.at(target.substring(1));
                assertTrue(!at.isMissingNode(), "unresolved $ref " + target);
            }
            List<JsonNode> children = new ArrayList<>();
            n.elements().forEachRemaining(children::add);
            children.forEach(c -> assertEveryRefResolves(doc, c));
        } else if (n.isArray()) {
            n.forEach(c -> assertEveryRefResolves(doc, c));
        }
    }
}
