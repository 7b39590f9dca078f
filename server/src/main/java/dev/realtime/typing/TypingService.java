package dev.realtime.typing;

import dev.realtime.protocol.ErrorInfo;
import dev.realtime.protocol.ServerMessage;
import dev.realtime.session.Session;
import dev.realtime.session.SessionListener;
import dev.realtime.signal.OwnerThread;
import dev.realtime.signal.RoomSignals;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Typing indicators: who is typing in which room, per user (a user typing on two devices is one
 * typist). A room hears {@code isTyping:true} when a user starts and {@code isTyping:false} when
 * their last device stops: explicitly, after the typing timeout without a refresh, when the device
 * leaves the room, or when it disconnects. Refreshes while typing cost a deadline update, no event.
 * Events go to everyone in the room but the typist ({@link RoomSignals}, every node), without history.
 *
 * <p>Each connection may send at most {@code maxPerSecond} updates per second (else
 * {@code rate_limited}). Each typist has at most one timer pending, so a refresh is O(1).
 *
 * <p>Threading: every piece of state is owned by one thread, {@code rt-typing-<node>}; the public
 * methods (and the {@link SessionListener} hooks, called on event loops) only enqueue. A node that
 * dies cannot send the {@code false} of its typists: clients should also time indicators out.
 */
public final class TypingService implements SessionListener, AutoCloseable {

    /** How one flavour of indicator looks on the wire ({@code room:typing}, {@code chat:typing}). */
    @FunctionalInterface
    public interface Style {
        ServerMessage.Event event(String room, String userId, boolean typing);
    }

    private record Key(String room, String userId) {
    }

    /** One user typing in one room: a deadline per device; owned by the typing thread. */
    private static final class Typist {
        final Style style;
        final Map<String, Long> deadlines = new HashMap<>(2); // sid -> nanoTime
        boolean timerPending;

        Typist(Style style) {
            this.style = style;
        }
    }

    /** A connection's fixed one-second window; owned by the typing thread. */
    private static final class Window {
        long start;
        int count;
    }

    private final OwnerThread thread;
    private final RoomSignals signals;
    private final long timeoutNanos;
    private final int maxPerSecond;
    // owned by the typing thread
    private final Map<Key, Typist> typists = new HashMap<>();
    private final Map<String, Set<Key>> bySid = new HashMap<>();
    private final Map<String, Window> windows = new HashMap<>();

    public TypingService(String nodeId, long timeoutMs, int maxPerSecond, RoomSignals signals) {
        this.thread = new OwnerThread("rt-typing-" + nodeId);
        this.signals = signals;
        this.timeoutNanos = timeoutMs * 1_000_000L;
        this.maxPerSecond = maxPerSecond;
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
            announce(key, t, true);
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
            announce(key, t, false);
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

    private void announce(Key key, Typist t, boolean typing) {
        signals.send(key.room(), t.style.event(key.room(), key.userId(), typing), RoomSignals.Except.user(key.userId()));
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
