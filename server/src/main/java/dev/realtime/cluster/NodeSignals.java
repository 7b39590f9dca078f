package dev.realtime.cluster;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server-to-server signals for every node that holds local members of a room, this one included:
 * sent to {@code user:{id}}, a signal reaches every node where that user has a connection (e.g. the
 * quiz's "put this user's connections in match room X"). The sending node handles its own copy at
 * once; the other nodes get theirs through the {@link PeerChannel} (the room's bus channel, never seen
 * by clients). Delivery to other nodes is at most once, like every bus message.
 *
 * <p>Threading: handlers are registered at startup; {@link #send} may be called from any thread.
 * Handlers run on the sender's thread (the local copy) or a bus thread (other nodes' copies) and
 * must hand work off at once.
 */
public final class NodeSignals {
    private static final Logger log = LoggerFactory.getLogger(NodeSignals.class);
    /** Peer-message kinds of signals, apart from the other features' kinds. */
    private static final String KIND_PREFIX = "signal:";

    /** Receives the signals of one kind. */
    @FunctionalInterface
    public interface Handler {
        void onSignal(String room, byte[] body);
    }

    private final Map<String, Handler> handlers = new ConcurrentHashMap<>();
    private final PeerChannel peers;

    /** @param peers the other nodes ({@link PeerChannel#NONE} for a node alone: signals stay local) */
    public NodeSignals(PeerChannel peers) {
        this.peers = peers;
    }

    /** Signals for a node that is alone: only its own handlers hear them. */
    public static NodeSignals local() {
        return new NodeSignals(PeerChannel.NONE);
    }

    /** Registers the handler of {@code kind}; one per kind, before the node starts. */
    public void register(String kind, Handler handler) {
        if (handlers.putIfAbsent(kind, handler) != null) {
            throw new IllegalStateException("signal handler already registered for '" + kind + "'");
        }
        peers.listen(KIND_PREFIX + kind, (room, origin, body) -> dispatch(room, kind, body));
    }

    /** Hands {@code body} to the {@code kind} handler of this node and of every node with members of {@code room}. */
    public void send(String room, String kind, byte[] body) {
        dispatch(room, kind, body);
        peers.send(room, KIND_PREFIX + kind, body);
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
