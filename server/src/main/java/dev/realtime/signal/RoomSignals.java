package dev.realtime.signal;

import dev.realtime.cluster.PeerChannel;
import dev.realtime.protocol.Payload;
import dev.realtime.protocol.ServerMessage;
import dev.realtime.room.RoomService;
import dev.realtime.room.Subscriber;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Transient room events: server events (presence changes, typing, counts, a device's playback
 * position) delivered to a room's members on every node, but neither kept in the room history nor
 * given an offset, and optionally leaving out one user or one connection (the sender).
 *
 * <p>This node delivers to its own members through {@link RoomService#deliverLocally}; the other
 * nodes with members get one {@link PeerChannel} message each and do the same for theirs, so the
 * exclusion holds cluster-wide and nothing is fanned out per member between nodes.
 *
 * <p>Threading: stateless; {@link #send} may be called from any thread and never blocks.
 */
public final class RoomSignals {
    private static final Logger log = LoggerFactory.getLogger(RoomSignals.class);
    static final String KIND = "signal";
    private static final int VERSION = 1;

    /**
     * Who does not get the event: the connection {@code sid} and/or every connection of {@code userId}
     * (either may be null).
     */
    public record Except(String sid, String userId) {
        public static final Except NONE = new Except(null, null);

        public static Except user(String userId) {
            return new Except(null, userId);
        }

        public static Except connection(String sid) {
            return new Except(sid, null);
        }

        Predicate<Subscriber> predicate() {
            if (sid == null && userId == null) {
                return null;
            }
            return s -> (sid != null && sid.equals(s.sid())) || (userId != null && userId.equals(s.userId()));
        }
    }

    private final RoomService rooms;
    private final PeerChannel peers;

    public RoomSignals(RoomService rooms, PeerChannel peers) {
        this.rooms = rooms;
        this.peers = peers;
        peers.listen(KIND, this::onPeer);
    }

    /** Delivers {@code event} to the members of {@code room} on every node, except {@code except}. */
    public void send(String room, ServerMessage.Event event, Except except) {
        rooms.deliverLocally(room, event, "signal", except.predicate());
        if (peers.clustered()) {
            peers.send(room, KIND, encode(event, except));
        }
    }

    /**
     * Delivers {@code event} to this node's members of {@code room} only, except {@code except}: for
     * features that tell other nodes their own way and let each node decide what its members hear.
     */
    public void deliverHere(String room, ServerMessage.Event event, Except except) {
        rooms.deliverLocally(room, event, "signal", except.predicate());
    }

    private void onPeer(String room, String origin, byte[] body) {
        Decoded d;
        try {
            d = decode(room, body);
        } catch (IllegalArgumentException bad) {
            log.warn("dropping a malformed room signal for {} from {}: {}", room, origin, bad.getMessage());
            return;
        }
        rooms.deliverLocally(room, d.event, "peer", d.except.predicate());
    }

    private record Decoded(ServerMessage.Event event, Except except) {
    }

    /** {@code u8 version, u8 flags (1 room shown, 2 sid, 4 user), utf event, [utf sid], [utf user], rest: JSON data}. */
    static byte[] encode(ServerMessage.Event event, Except except) {
        if (event.data() != null && !event.data().isJson()) {
            throw new IllegalArgumentException("room signals carry JSON data");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeByte((event.room() != null ? 1 : 0) | (except.sid() != null ? 2 : 0) | (except.userId() != null ? 4 : 0));
            out.writeUTF(event.event());
            if (except.sid() != null) {
                out.writeUTF(except.sid());
            }
            if (except.userId() != null) {
                out.writeUTF(except.userId());
            }
            if (event.data() != null) {
                out.write(event.data().bytes());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static Decoded decode(String room, byte[] body) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(body))) {
            if (in.readUnsignedByte() != VERSION) {
                throw new IllegalArgumentException("unknown signal version");
            }
            int flags = in.readUnsignedByte();
            String name = in.readUTF();
            String sid = (flags & 2) != 0 ? in.readUTF() : null;
            String user = (flags & 4) != 0 ? in.readUTF() : null;
            byte[] data = in.readAllBytes();
            ServerMessage.Event event = new ServerMessage.Event((flags & 1) != 0 ? room : null, name,
                    data.length == 0 ? null : Payload.json(data), null, null);
            return new Decoded(event, new Except(sid, user));
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated signal", e);
        }
    }
}
