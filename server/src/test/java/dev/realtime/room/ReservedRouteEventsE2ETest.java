package dev.realtime.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import org.junit.jupiter.api.Test;

/**
 * A client cannot publish an event that a route of the table could deliver to the same room, even
 * when the route builds the name from a template: members can trust such events came from the server.
 */
class ReservedRouteEventsE2ETest {

    @Test
    void templatedRouteEventsAreReservedInTheRoomsTheyReach() {
        try (TestNode node = TestNode.start(); WsClient c = node.connect("viewer")) {
            c.join("event:42");
            // seed002-ticket: Redis channel ticket:* becomes event {$source} in room event:{eventId}
            JsonNode forged = c.publish("event:42", "ticket:availability_updated", "{\"available\":0}");
            assertEquals("forbidden", forged.get("error").get("code").asText(), forged.toString());
            assertTrue(c.publish("event:42", "chat:message", "{\"text\":\"hi\"}").get("ok").asBoolean());
            c.join("lobby");
            assertTrue(c.publish("lobby", "ticket:availability_updated", "1").get("ok").asBoolean(),
                    "no route delivers it to lobby: nothing to forge there");
        }
    }
}
