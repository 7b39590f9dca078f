package dev.realtime.counts;

import dev.realtime.cluster.PeerChannel;
import dev.realtime.protocol.ServerMessage;
import dev.realtime.server.Json;
import dev.realtime.session.Session;
import dev.realtime.session.SessionListener;
import dev.realtime.signal.OwnerThread;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Live connection counts of rooms that have a {@link Counter} ({@code video:*} viewers,
 * {@code chat:*} users), shown to the room's members as one event per room per interval at most.
 *
 * <p>Cluster-wide without per-member traffic between nodes: each node counts its own connections
 * in the room and sends that one number to the other nodes with members in the room (a
 * {@link PeerChannel} message, at most one per room per interval, plus a keep-alive every
 * {@code refreshMs}); each node adds up the latest number of every node and shows the total to its
 * own members. A viewer joining or leaving costs O(1) here, and a room costs O(nodes) messages per
 * interval whatever its audience. A node that stops reporting (it died) drops out of the totals
 * after three keep-alive periods. A node that opens a room asks the others to report at once.
 *
 * <p>Coalescing: a change is shown (and reported) at once when the room showed nothing during the
 * last interval, else at the end of that interval with the latest total; a join always leads to a
 * show, so the newcomer learns the count even when the total did not move.
 *
 * <p>Threading: all state is owned by one thread, {@code rt-counts-<node>}; the
 * {@link SessionListener} hooks (event loops) and peer messages (bus thread) only enqueue.
 */
public final class RoomCounts implements SessionListener, AutoCloseable {
    static final String PEER_KIND = "count";
    private static final byte VERSION = 1;
    private static final byte ASK = 1;

    /**
     * Rooms named {@code prefix + id} are counted and shown as {@code event}
     * {@code {idField: id, "count": n}}.
     */
    public record Counter(String prefix, String event, String idField) {
    }

    /** One counted room on this node; owned by the counts thread. */
    private static final class Count {
        final Counter counter;
        /** This node's connections in the room (a set: a connection reported twice counts once). */
        final Set<String> sids = new java.util.HashSet<>();
        int local;
        final Map<String, Remote> remotes = new HashMap<>(4);
        long lastReport = Long.MIN_VALUE / 2;
        boolean reportPending;
        boolean asked;       // our first report asks the others for theirs
        int shown = -1;
        long lastShow = Long.MIN_VALUE / 2;
        boolean showPending;
        boolean newcomer;    // someone joined since the last show
        boolean waited;      // the first show waited for the other nodes' counts

        Count(Counter counter) {
            this.counter = counter;
        }

        int total() {
            int n = local;
            for (Remote r : remotes.values()) {
                n += r.count;
            }
            return n;
        }
    }

    private record Remote(int count, long heardAt) {
    }

    /** Shows a count event to this node's members of the room (e.g. {@code RoomService.deliverLocally}). */
    @FunctionalInterface
    public interface Display {
        void show(String room, ServerMessage.Event event);
    }

    private final OwnerThread thread;
    private final List<Counter> counters;
    private final Display display;
    private final PeerChannel peers;
    private final long intervalNanos;
    private final long refreshNanos;
    // owned by the counts thread
    private final Map<String, Count> counts = new HashMap<>();

    /**
     * @param intervalMs {@code VIEWER_COUNT_INTERVAL_MS}: at most one event (and one report) per room per interval
     * @param refreshMs  keep-alive period of a node's reports; silent nodes drop out after three
     */
    public RoomCounts(String nodeId, List<Counter> counters, Display display, PeerChannel peers,
                      long intervalMs, long refreshMs) {
        this.thread = new OwnerThread("rt-counts-" + nodeId);
        this.counters = List.copyOf(counters);
        this.display = display;
        this.peers = peers;
        this.intervalNanos = intervalMs * 1_000_000L;
        this.refreshNanos = Math.max(intervalMs, refreshMs) * 1_000_000L;
        peers.listen(PEER_KIND, this::onPeer);
        if (peers.clustered()) {
            thread.every(Math.max(intervalMs, refreshMs), this::refresh);
        }
    }

    /** CPU seconds spent on counting so far (the counts thread). */
    public double cpuSeconds() {
        return thread.cpuSeconds();
    }

    private Counter counterOf(String room) {
        for (Counter c : counters) {
            if (room.startsWith(c.prefix()) && room.length() > c.prefix().length()) {
                return c;
            }
        }
        return null;
    }

    @Override
    public void joined(Session session, String room) {
        joined(session.sid(), room);
    }

    @Override
    public void left(Session session, String room) {
        left(session.sid(), room);
    }

    @Override
    public void disconnected(Session session, Set<String> rooms) {
        for (String room : rooms) {
            left(session.sid(), room);
        }
    }

    /**
     * Connection {@code sid} is in {@code room} (ignored unless a counter covers it; idempotent, so
     * an anonymous connection's rooms reported again after it logs in count once). Any thread.
     */
    public void joined(String sid, String room) {
        Counter c = counterOf(room);
        if (c != null) {
            thread.execute(() -> change(room, c, sid, true));
        }
    }

    /** Connection {@code sid} left {@code room}. Any thread. */
    public void left(String sid, String room) {
        Counter c = counterOf(room);
        if (c != null) {
            thread.execute(() -> change(room, c, sid, false));
        }
    }

    private void change(String room, Counter c, String sid, boolean join) {
        Count n = counts.get(room);
        if (n == null) {
            if (!join) {
                return; // unbalanced
            }
            n = new Count(c);
            counts.put(room, n);
        }
        if (join ? !n.sids.add(sid) : !n.sids.remove(sid)) {
            dropIfIdle(room, n);
            return; // reported twice: nothing changed
        }
        n.local = n.sids.size();
        if (join) {
            n.newcomer = true;
        }
        requestReport(room, n);
        if (n.local > 0) {
            requestShow(room, n);
        }
    }

    // ---------------------------------------------------------------- reports to the other nodes

    private void requestReport(String room, Count n) {
        if (!peers.clustered() || n.reportPending) {
            if (!peers.clustered()) {
                dropIfIdle(room, n);
            }
            return;
        }
        long wait = n.lastReport + intervalNanos - System.nanoTime();
        if (wait <= 0) {
            report(room, n);
        } else {
            n.reportPending = true;
            thread.schedule(() -> {
                n.reportPending = false;
                if (counts.get(room) == n) {
                    report(room, n);
                }
            }, wait / 1_000_000L + 1);
        }
    }

    private void report(String room, Count n) {
        boolean ask = !n.asked && n.local > 0;
        n.asked = true;
        n.lastReport = System.nanoTime();
        peers.send(room, PEER_KIND, ByteBuffer.allocate(6).put(VERSION).put(ask ? ASK : 0).putInt(n.local).array());
        dropIfIdle(room, n);
    }

    /** With no local member left (and its zero reported), the room is none of this node's business. */
    private void dropIfIdle(String room, Count n) {
        if (n.local == 0 && !n.reportPending) {
            counts.remove(room, n);
        }
    }

    private void onPeer(String room, String origin, byte[] body) {
        if (body.length != 6 || body[0] != VERSION) {
            return;
        }
        ByteBuffer b = ByteBuffer.wrap(body);
        b.get();
        boolean ask = b.get() == ASK;
        int count = Math.max(0, b.getInt());
        thread.execute(() -> {
            Count n = counts.get(room);
            if (n == null || n.local == 0) {
                return; // no local members: nothing to show here
            }
            if (count == 0) {
                n.remotes.remove(origin);
            } else {
                n.remotes.put(origin, new Remote(count, System.nanoTime()));
            }
            if (ask) {
                requestReport(room, n);
            }
            requestShow(room, n);
        });
    }

    /** Keep-alives for our rooms, and expiry of nodes that went silent. */
    private void refresh() {
        long now = System.nanoTime();
        for (Iterator<Map.Entry<String, Count>> it = counts.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Count> e = it.next();
            Count n = e.getValue();
            boolean expired = n.remotes.values().removeIf(r -> now - r.heardAt() > 3 * refreshNanos);
            if (n.local > 0 && now - n.lastReport >= refreshNanos && !n.reportPending) {
                n.lastReport = now;
                peers.send(e.getKey(), PEER_KIND, ByteBuffer.allocate(6).put(VERSION).put((byte) 0).putInt(n.local).array());
            }
            if (expired && n.local > 0) {
                requestShow(e.getKey(), n);
            }
        }
    }

    // ---------------------------------------------------------------- what the members see

    private void requestShow(String room, Count n) {
        if (n.showPending || n.total() == n.shown && !n.newcomer) {
            return;
        }
        long wait = n.lastShow + intervalNanos - System.nanoTime();
        // A node that just opened the room waits one interval for the others' counts.
        if (!n.waited && peers.clustered()) {
            n.waited = true;
            n.lastShow = System.nanoTime();
            wait = intervalNanos;
        }
        if (wait <= 0) {
            show(room, n);
        } else {
            n.showPending = true;
            thread.schedule(() -> {
                n.showPending = false;
                if (counts.get(room) == n && n.local > 0) {
                    show(room, n);
                }
            }, wait / 1_000_000L + 1);
        }
    }

    private void show(String room, Count n) {
        int total = n.total();
        n.shown = total;
        n.newcomer = false;
        n.lastShow = System.nanoTime();
        Counter c = n.counter;
        display.show(room, new ServerMessage.Event(room, c.event(), Json.payload(Json.obj(
                c.idField(), room.substring(c.prefix().length()), "count", total)), null, null));
    }

    /**
     * Tells the other nodes this node counts nobody any more (a zero for every room it reported), so a
     * node that shuts down leaves the totals at once instead of after three keep-alive periods; then
     * stops the thread. Called after the node closed its connections.
     */
    @Override
    public void close() {
        if (peers.clustered()) {
            java.util.concurrent.CountDownLatch said = new java.util.concurrent.CountDownLatch(1);
            try {
                thread.execute(() -> {
                    byte[] zero = ByteBuffer.allocate(6).put(VERSION).put((byte) 0).putInt(0).array();
                    counts.keySet().forEach(room -> peers.send(room, PEER_KIND, zero));
                    counts.clear();
                    said.countDown();
                });
                said.await(2, java.util.concurrent.TimeUnit.SECONDS);
            } catch (java.util.concurrent.RejectedExecutionException | InterruptedException e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        thread.close();
    }
}
