package dev.realtime.cluster;

import dev.realtime.protocol.Payload;
import dev.realtime.protocol.ServerMessage;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server-to-server signals addressed to the nodes that hold local members of a room: sent to
 * {@code user:{id}}, a signal reaches every node where that user has a connection (e.g. the quiz's
 * "put this user's connections in match room X"). Signals ride the bus on the room's channel like
 * room events but are handed to the handler registered for their kind and never reach clients: their
 * event name starts with a control character, which no client, HTTP API or route table can use
 * ({@code RoomPolicy.validateEventName}). The sending node handles its own copy at once. Delivery is
 * at most once, like every bus message.
 *
 * <p>Threading: handlers are registered at startup; {@link #send} may be called from any thread.
 * Handlers run on the sender's thread (the local copy) or a bus thread (other nodes' copies) and
 * must hand work off at once.
 */
public final class RoomSignals {
    private static final Logger log = LoggerFactory.getLogger(RoomSignals.class);
    /** Event-name prefix of a signal in a {@link BusEnvelope}. */
    static final String EVENT_PREFIX = "\u0001signal:";

    /** Receives the signals of one kind. */
    @FunctionalInterface
    public interface Handler {
        void onSignal(String room, byte[] body);
    }

    private final Map<String, Handler> handlers = new ConcurrentHashMap<>();
    private final String nodeId;
    private final Bus bus;

    /** @param bus null for a node alone (signals stay local) */
    RoomSignals(String nodeId, Bus bus) {
        this.nodeId = nodeId;
        this.bus = bus;
    }

    /** Signals for a node that is alone: only its own handlers hear them. */
    public static RoomSignals local() {
        return new RoomSignals(null, null);
    }

    /** Registers the handler of {@code kind}; one per kind. */
    public void register(String kind, Handler handler) {
        if (handlers.putIfAbsent(kind, handler) != null) {
            throw new IllegalStateException("signal handler already registered for '" + kind + "'");
        }
    }

    /** Hands {@code body} to the {@code kind} handler of this node and of every node with members of {@code room}. */
    public void send(String room, String kind, byte[] body) {
        dispatch(room, kind, body);
        if (bus != null) {
            ServerMessage.Event event = new ServerMessage.Event(null, EVENT_PREFIX + kind, Payload.binary(body), null, null);
            bus.publish(room, new BusEnvelope(nodeId, room, event).encode());
        }
    }

    /** For the bus bridge: handles {@code event} if it is a signal and says whether it was. */
    boolean accept(String room, ServerMessage.Event event) {
        if (!event.event().startsWith(EVENT_PREFIX)) {
            return false;
        }
        dispatch(room, event.event().substring(EVENT_PREFIX.length()),
                event.data() == null ? new byte[0] : event.data().bytes());
        return true;
    }

    private void dispatch(String room, String kind, byte[] body) {
        Handler h = handlers.get(kind);
        if (h == null) {
            log.debug("no handler for signal '{}' (room {})", kind, room);
            return;
        }
        try {
            h.onSignal(room, body);
        } catch (RuntimeException e) {
            log.warn("signal handler '{}' failed: {}", kind, e.toString());
        }
    }
}
