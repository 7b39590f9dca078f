package dev.realtime.cluster;

import dev.realtime.metrics.GatewayMetrics;
import dev.realtime.protocol.ServerMessage;
import dev.realtime.room.RoomBridge;
import dev.realtime.room.RoomService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joins the room layer to a {@link Bus}: subscribes to a room's channel while it has local members,
 * forwards every accepted publish to the other nodes, and hands what arrives from them to the
 * room's shard ({@link RoomService#deliverFromPeer}), dropping this node's own echoes. A message is
 * therefore delivered once per connection: locally by the publishing node, remotely by each other
 * node that has members.
 *
 * <p>Threading: the {@link RoomBridge} methods run on shard threads; {@link #onMessage} on the bus
 * thread. No mutable state besides the room service reference set once at startup.
 */
public final class BusBridge implements RoomBridge, Bus.Handler, PeerChannel {
    private static final Logger log = LoggerFactory.getLogger(BusBridge.class);
    /**
     * Event-name prefix of {@link PeerChannel} messages. A control character can never appear in an
     * event name a client, the HTTP API or the route table produces (they are validated), so peer
     * messages cannot be forged through those paths and are never fanned out to clients.
     */
    static final String PEER_PREFIX = "\0peer:";

    private final Bus bus;
    private final String nodeId;
    private final GatewayMetrics metrics;
    private volatile RoomService rooms;
    private final java.util.Map<String, PeerChannel.Listener> peerListeners = new java.util.concurrent.ConcurrentHashMap<>();

    public BusBridge(Bus bus, String nodeId, GatewayMetrics metrics) {
        this.bus = bus;
        this.nodeId = nodeId;
        this.metrics = metrics;
    }


    /** Connects the bus to the rooms and starts receiving. Called once at startup. */
    public void start(RoomService rooms) {
        this.rooms = rooms;
        bus.start(this);
    }

    public Bus bus() {
        return bus;
    }

    @Override
    public void opened(String room) {
        bus.subscribe(room);
    }

    @Override
    public java.util.concurrent.CompletableFuture<Void> subscribed(String room) {
        return bus.subscribed(room);
    }

    @Override
    public void closed(String room) {
        bus.unsubscribe(room);
    }

    @Override
    public void published(String room, ServerMessage.Event event) {
        bus.publish(room, new BusEnvelope(nodeId, room, event).encode());
    }

    @Override
    public void onMessage(String room, byte[] envelope) {
        if (BusEnvelope.isFrom(envelope, nodeId)) {
            return; // our own echo (Redis sends a publisher's message back to its own subscription)
        }
        BusEnvelope e;
        try {
            e = BusEnvelope.decode(envelope);
        } catch (IllegalArgumentException bad) {
            metrics.busErrors.labels("malformed").inc();
            log.warn("dropping malformed bus message for room {}: {}", room, bad.getMessage());
            return;
        }
        if (!room.equals(e.room())) {
            return; // a message that lies about its room
        }
        String name = e.event().event();
        if (name.startsWith(PEER_PREFIX)) {
            PeerChannel.Listener l = peerListeners.get(name.substring(PEER_PREFIX.length()));
            if (l != null && e.event().data() != null) {
                l.onPeerMessage(room, e.origin(), e.event().data().bytes());
            }
            return; // node-to-node: never for clients, even when nobody here listens for the kind
        }
        rooms.deliverFromPeer(room, e.event());
    }

    @Override
    public void send(String room, String kind, byte[] body) {
        bus.publish(room, peerEnvelope(nodeId, room, kind, body));
    }

    /** The bus envelope of a {@link PeerChannel} message of {@code kind} sent by node {@code origin}. */
    public static byte[] peerEnvelope(String origin, String room, String kind, byte[] body) {
        ServerMessage.Event carrier = new ServerMessage.Event(null, PEER_PREFIX + kind,
                dev.realtime.protocol.Payload.binary(body), null, null);
        return new BusEnvelope(origin, room, carrier).encode();
    }

    @Override
    public void listen(String kind, PeerChannel.Listener listener) {
        if (peerListeners.putIfAbsent(kind, listener) != null) {
            throw new IllegalStateException("a peer listener is already registered for '" + kind + "'");
        }
    }

    @Override
    public boolean clustered() {
        return true;
    }
}
