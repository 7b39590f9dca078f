package dev.realtime.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.ingest.kafka.KafkaForwarder;
import dev.realtime.protocol.Payload;
import dev.realtime.server.Json;
import dev.realtime.session.Session;
import dev.realtime.session.SessionListener;
import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * The Kafka direction of the route table: client {@code emit} events, connection lifecycle events
 * (connect, disconnect, join, leave, with node id and session id) and server events features hand
 * over ({@link #forwardEvent}, e.g. {@code match:completed}) that a forward rule names are
 * produced to its topic, keyed by user, session, room or a data field so order holds per key.
 * Nothing here blocks: records are queued to the {@link KafkaForwarder}'s thread.
 *
 * <p>Threading: stateless; called on event loops.
 */
public final class EventForwarding implements SessionListener {
    private final RouteTable table;
    private final KafkaForwarder forwarder;
    private final String nodeId;

    public EventForwarding(RouteTable table, KafkaForwarder forwarder, String nodeId) {
        this.table = table;
        this.forwarder = forwarder;
        this.nodeId = nodeId;
    }

    /**
     * Forwards a client emit when a rule names its event.
     *
     * @return whether any rule forwarded it (an emit without a handler is then answered {@code ok})
     */
    public boolean forwardEmit(Session s, String event, Payload data) {
        List<ForwardRule> rules = table.forwardsForEmit(event);
        if (rules.isEmpty()) {
            return false;
        }
        JsonNode json = parse(data);
        String userId = userId(s);
        byte[] value = Json.bytes(ForwardRule.emitRecord(nodeId, s.sid(), userId, event, json, System.currentTimeMillis()));
        for (ForwardRule r : rules) {
            forwarder.send("emit", r.topic(), r.key(userId, s.sid(), null, json), value);
        }
        return true;
    }

    /**
     * Forwards a server event that a feature produced (e.g. {@code match:completed}) when a rule names
     * it. Callers must not produce the same event twice (the quiz forwards from the one node whose
     * write completed the match). Safe from any thread; never blocks.
     *
     * @return whether any rule forwarded it
     */
    public boolean forwardEvent(String event, JsonNode data) {
        List<ForwardRule> rules = table.forwardsForEvent(event);
        if (rules.isEmpty()) {
            return false;
        }
        byte[] value = Json.bytes(ForwardRule.eventRecord(nodeId, event, data, System.currentTimeMillis()));
        for (ForwardRule r : rules) {
            forwarder.send("event", r.topic(), r.key(null, null, null, data), value);
        }
        return true;
    }

    @Override
    public void connected(Session s) {
        lifecycle(LifecycleKind.CONNECT, s, null);
    }

    @Override
    public void joined(Session s, String room) {
        lifecycle(LifecycleKind.JOIN, s, room);
    }

    @Override
    public void left(Session s, String room) {
        lifecycle(LifecycleKind.LEAVE, s, room);
    }

    @Override
    public void disconnected(Session s, Set<String> rooms) {
        // Closing leaves every room: consumers tracking membership see each leave, then the disconnect.
        for (String room : rooms) {
            lifecycle(LifecycleKind.LEAVE, s, room);
        }
        lifecycle(LifecycleKind.DISCONNECT, s, null);
    }

    private void lifecycle(LifecycleKind kind, Session s, String room) {
        List<ForwardRule> rules = table.forwardsForLifecycle(kind);
        if (rules.isEmpty()) {
            return;
        }
        String userId = userId(s);
        byte[] value = Json.bytes(ForwardRule.lifecycleRecord(kind, nodeId, s.sid(), userId, room,
                System.currentTimeMillis()));
        for (ForwardRule r : rules) {
            forwarder.send("lifecycle", r.topic(), r.key(userId, s.sid(), room, null), value);
        }
    }

    private static String userId(Session s) {
        return s.principal() == null || s.principal().anonymous() ? null : s.principal().userId();
    }

    private static JsonNode parse(Payload data) {
        if (data == null || !data.isJson()) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(data.bytes());
        } catch (IOException e) {
            return null;
        }
    }
}
