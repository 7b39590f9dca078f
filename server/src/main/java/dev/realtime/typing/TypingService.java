package dev.realtime.typing;

import dev.realtime.cluster.PeerChannel;
import dev.realtime.protocol.ErrorInfo;
import dev.realtime.protocol.ServerMessage;
import dev.realtime.session.Session;
import dev.realtime.session.SessionListener;
import dev.realtime.signal.OwnerThread;
import dev.realtime.signal.RoomSignals;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Typing indicators: who is typing in which room, per user (a user typing on two devices is one
 * typist). A room hears {@code isTyping:true} when a user starts and {@code isTyping:false} when
 * their last device stops: explicitly, after the typing timeout without a refresh, when the device
 * leaves the room, or when it disconnects. Refreshes while typing cost a deadline update, no event.
 * Events go to everyone in the room but the typist's devices, without history.
 *
 * <p>Across nodes a user is one typist too: each node tells the others (a {@link PeerChannel} message
 * of kind {@value #PEER_KIND}) when a user starts or stops typing on its devices, and announces to its
 * own members only the changes of the union (typing on some node or not). While a user keeps typing,
 * the node re-sends {@code true} every half timeout at most, and the others forget a node's typist
 * that went silent for {@link #remoteTtlNanos} (a node that died cannot send its {@code false}).
 *
 * <p>Each connection may send at most {@code maxPerSecond} updates per second (else
 * {@code rate_limited}). Each typist has at most one timer pending, so a refresh is O(1).
 *
 * <p>Threading: every piece of state is owned by one thread, {@code rt-typing-<node>}; the public
 * methods (and the {@link SessionListener} hooks, called on event loops, and the peer listener,
 * called on a bus thread) only enqueue.
 */
public final class TypingService implements SessionListener, AutoCloseable {

    /** How one flavour of indicator looks on the wire ({@code room:typing}, {@code chat:typing}). */
    @FunctionalInterface
    public interface Style {
        ServerMessage.Event event(String room, String userId, boolean typing);
    }

    private record Key(String room, String userId) {
    }

    /** One user typing in one room on this node: a deadline per device; owned by the typing thread. */
    private static final class Typist {
        final Style style;
        final Map<String, Long> deadlines = new HashMap<>(2); // sid -> nanoTime
        boolean timerPending;
        long toldPeersAt; // nanoTime of the last true sent to the other nodes

        Typist(Style style) {
            this.style = style;
        }
    }

    /** One user typing in one room on other nodes: when each node's word expires; owned by the typing thread. */
    private static final class Remote {
        final Map<String, Long> expiries = new HashMap<>(2); // origin node -> nanoTime
        ServerMessage.Event off;
    }

    /** A connection's fixed one-second window; owned by the typing thread. */
    private static final class Window {
        long start;
        int count;
    }

    static final String PEER_KIND = "typing";
    private static final Logger log = LoggerFactory.getLogger(TypingService.class);

    private final OwnerThread thread;
    private final RoomSignals signals;
    private final PeerChannel peers;
    private final long timeoutNanos;
    private final long remoteTtlNanos;
    private final int maxPerSecond;
    // owned by the typing thread
    private final Map<Key, Typist> typists = new HashMap<>();
    private final Map<Key, Remote> remote = new HashMap<>();
    private final Map<String, Set<Key>> bySid = new HashMap<>();
    private final Map<String, Window> windows = new HashMap<>();
    private boolean sweepPending;

    /**
     * @param signals delivers to this node's members
     * @param peers the other nodes ({@link PeerChannel#NONE} for a node alone); the listener is added here
     */
    public TypingService(String nodeId, long timeoutMs, int maxPerSecond, RoomSignals signals, PeerChannel peers) {
        this.thread = new OwnerThread("rt-typing-" + nodeId);
        this.signals = signals;
        this.peers = peers;
        this.timeoutNanos = timeoutMs * 1_000_000L;
        // A typing node re-sends true every half timeout while its user types and false within a
        // timeout of the last refresh; twice the timeout plus a second covers a slow bus.
        this.remoteTtlNanos = 2 * timeoutNanos + 1_000_000_000L;
        this.maxPerSecond = maxPerSecond;
        peers.listen(PEER_KIND, this::onPeer);
    }

    /**
     * Connection {@code sid} of {@code userId} says it is (or stopped) typing in {@code room}, which
     * the caller checked it is a member of. {@code done} runs on the typing thread with null, or
     * the {@code rate_limited} error.
     */
    public void update(Style style, String sid, String userId, String room, boolean typing, Consumer<ErrorInfo> done) {
        thread.execute(() -> {
            long now = System.nanoTime();
            long retryAfter = admit(sid, now);
            if (retryAfter > 0) {
                done.accept(ErrorInfo.rateLimited("too many typing updates", retryAfter));
                return;
            }
            if (typing) {
                start(style, new Key(room, userId), sid, now);
            } else {
                stop(new Key(room, userId), sid);
            }
            done.accept(null);
        });
    }

    private long admit(String sid, long now) {
        Window w = windows.computeIfAbsent(sid, s -> new Window());
        if (now - w.start >= 1_000_000_000L) {
            w.start = now;
            w.count = 0;
        }
        if (++w.count <= maxPerSecond) {
            return 0;
        }
        return Math.max(1, (w.start + 1_000_000_000L - now) / 1_000_000L);
    }

    private void start(Style style, Key key, String sid, long now) {
        Typist t = typists.get(key);
        boolean started = t == null;
        if (started) {
            t = new Typist(style);
            typists.put(key, t);
        }
        t.deadlines.put(sid, now + timeoutNanos);
        bySid.computeIfAbsent(sid, s -> new HashSet<>(2)).add(key);
        if (!t.timerPending) {
            t.timerPending = true;
            thread.schedule(() -> expire(key), timeoutNanos / 1_000_000L);
        }
        if (started) {
            tellPeers(key, t, true, now);
            if (!remote.containsKey(key)) {
                signals.deliverHere(key.room(), t.style.event(key.room(), key.userId(), true), except(key));
            }
        } else if (now - t.toldPeersAt >= timeoutNanos / 2) {
            tellPeers(key, t, true, now); // still typing: keeps the other nodes from forgetting it
        }
    }

    /** Device {@code sid} stopped; the room hears {@code false} when it was the user's last. */
    private void stop(Key key, String sid) {
        Typist t = typists.get(key);
        Set<Key> keys = bySid.get(sid);
        if (keys != null && keys.remove(key) && keys.isEmpty()) {
            bySid.remove(sid);
        }
        if (t != null && t.deadlines.remove(sid) != null && t.deadlines.isEmpty()) {
            typists.remove(key);
            tellPeers(key, t, false, System.nanoTime());
            if (!remote.containsKey(key)) {
                signals.deliverHere(key.room(), t.style.event(key.room(), key.userId(), false), except(key));
            }
        }
    }

    /** The typist's timer: drops devices past their deadline, then waits for the next one. */
    private void expire(Key key) {
        Typist t = typists.get(key);
        if (t == null) {
            return;
        }
        t.timerPending = false;
        long now = System.nanoTime();
        long next = Long.MAX_VALUE;
        for (Map.Entry<String, Long> e : Map.copyOf(t.deadlines).entrySet()) {
            if (now - e.getValue() >= 0) {
                stop(key, e.getKey());
            } else {
                next = Math.min(next, e.getValue());
            }
        }
        if (typists.get(key) == t && next != Long.MAX_VALUE) {
            t.timerPending = true;
            thread.schedule(() -> expire(key), Math.max(1, (next - now) / 1_000_000L));
        }
    }

    private static RoomSignals.Except except(Key key) {
        return RoomSignals.Except.user(key.userId());
    }

    private void tellPeers(Key key, Typist t, boolean typing, long now) {
        if (!peers.clustered()) {
            return;
        }
        if (typing) {
            t.toldPeersAt = now;
        }
        ServerMessage.Event on = t.style.event(key.room(), key.userId(), true);
        ServerMessage.Event off = t.style.event(key.room(), key.userId(), false);
        peers.send(key.room(), PEER_KIND, new TypingPeerMessage(key.userId(), typing, on, off).encode());
    }

    private void onPeer(String room, String origin, byte[] body) {
        TypingPeerMessage m;
        try {
            m = TypingPeerMessage.decode(room, body);
        } catch (IllegalArgumentException bad) {
            log.warn("dropping a malformed typing message for {} from {}: {}", room, origin, bad.getMessage());
            return;
        }
        thread.execute(() -> onRemote(new Key(room, m.userId()), origin, m));
    }

    /** Node {@code origin} says its devices of the user type (or stopped); the room hears changes of the union. */
    private void onRemote(Key key, String origin, TypingPeerMessage m) {
        boolean before = typists.containsKey(key) || remote.containsKey(key);
        Remote r = remote.get(key);
        if (m.typing()) {
            if (r == null) {
                r = new Remote();
                remote.put(key, r);
            }
            r.expiries.put(origin, System.nanoTime() + remoteTtlNanos);
            r.off = m.off();
            scheduleSweep();
        } else if (r != null && r.expiries.remove(origin) != null && r.expiries.isEmpty()) {
            remote.remove(key);
        }
        boolean after = typists.containsKey(key) || remote.containsKey(key);
        if (before != after) {
            signals.deliverHere(key.room(), after ? m.on() : m.off(), except(key));
        }
    }

    private void scheduleSweep() {
        if (!sweepPending) {
            sweepPending = true;
            thread.schedule(this::sweepRemote, Math.max(1, remoteTtlNanos / 2_000_000L));
        }
    }

    /** Forgets typists of nodes that went silent; the room hears false when that was the user's last. */
    private void sweepRemote() {
        sweepPending = false;
        long now = System.nanoTime();
        for (Iterator<Map.Entry<Key, Remote>> it = remote.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Key, Remote> e = it.next();
            Remote r = e.getValue();
            r.expiries.values().removeIf(expiry -> now - expiry >= 0);
            if (r.expiries.isEmpty()) {
                it.remove();
                if (!typists.containsKey(e.getKey())) {
                    signals.deliverHere(e.getKey().room(), r.off, except(e.getKey()));
                }
            }
        }
        if (!remote.isEmpty()) {
            scheduleSweep();
        }
    }

    @Override
    public void left(Session session, String room) {
        String sid = session.sid();
        String user = session.principal().userId();
        if (user != null) {
            thread.execute(() -> stop(new Key(room, user), sid));
        }
    }

    @Override
    public void disconnected(Session session, Set<String> rooms) {
        String sid = session.sid();
        thread.execute(() -> {
            windows.remove(sid);
            Set<Key> keys = bySid.get(sid);
            if (keys != null) {
                for (Key k : Set.copyOf(keys)) {
                    stop(k, sid);
                }
            }
        });
    }

    /** Typists right now (for tests and metrics); answered on the typing thread. */
    public java.util.concurrent.CompletableFuture<Integer> typists() {
        java.util.concurrent.CompletableFuture<Integer> f = new java.util.concurrent.CompletableFuture<>();
        thread.execute(() -> f.complete(typists.size()));
        return f;
    }

    @Override
    public void close() {
        thread.close();
    }
}
