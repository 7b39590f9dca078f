package dev.realtime.cluster;

import dev.realtime.metrics.GatewayMetrics;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisAskDataException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisMovedDataException;

/**
 * The bus's sending side: one thread that pipelines {@code PUBLISH} (one Redis server) or
 * {@code SPUBLISH} (Redis Cluster, to the primary of each channel's slot) and keeps every message it
 * accepted until Redis took it, so a short outage loses nothing.
 *
 * <ul>
 *   <li><b>Bounded.</b> Everything held (queued, waiting for an unreachable node, or being replayed)
 *       counts against {@code BUS_OUTAGE_BUFFER_BYTES}; a publish beyond it is refused and counted
 *       ({@code realtime_bus_overflow_total}, {@code realtime_bus_dropped_total}).</li>
 *   <li><b>In order per room.</b> Each channel has its own queue; a message leaves it only once Redis
 *       answered for it, and nothing of a channel overtakes an earlier message of that channel.</li>
 *   <li><b>Replay without loss.</b> When a node fails (connection lost, timeout), answers
 *       {@code MOVED}/{@code ASK}/{@code CLUSTERDOWN}, or the topology moves a slot to another
 *       primary, the slot is <em>suspect</em> for {@link #SUSPECT_NANOS}: what was in flight stays
 *       queued, what the node acknowledged in the last {@link #RECENT_NANOS} is queued again in front
 *       (a dying primary may acknowledge a message it never delivered; a demoted one accepts
 *       {@code SPUBLISH} and delivers it to nobody), and each channel of the slot is sent one message
 *       at a time, each held until Redis reports at least as many receivers as before the trouble
 *       (subscribers are back) or {@link #HOLD_NANOS} passed (they left for good). Copies this
 *       creates are dropped by the receivers ({@link SeqFilter}).</li>
 *   <li><b>Drain on close.</b> {@link #close} sends what is queued until a deadline and counts the rest.</li>
 * </ul>
 *
 * <p>Threading: {@link #offer} from any thread (a lock-free queue and an atomic byte count); all the
 * other state belongs to the publisher thread; {@link #up()} and the gauges read volatile fields.
 */
final class BusPublisher {
    private static final Logger log = LoggerFactory.getLogger(BusPublisher.class);
    static final int MAX_BATCH = 512;
    static final long SUSPECT_NANOS = TimeUnit.SECONDS.toNanos(5);
    static final long HOLD_NANOS = TimeUnit.SECONDS.toNanos(5);
    static final long SETTLE_NANOS = TimeUnit.SECONDS.toNanos(1);
    static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    static final long RECENT_NANOS = TimeUnit.SECONDS.toNanos(2);
    static final int COUNTS_KEPT = 65_536;
    static final long LOWER_AFTER_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** Per message bookkeeping counted against the budget besides its bytes. */
    static final int OVERHEAD = 96;

    /** One message and its delivery state (publisher thread, after {@link #offer}). */
    static final class Msg {
        final String channel;
        final byte[] channelBytes;
        final byte[] frame;
        final int slot;
        final int size;
        HostAndPort askTarget;
        boolean buffered;
        boolean resend;
        long holdSince;
        long retryAt;
        long ackedAt;
        long receivers;

        Msg(String channel, byte[] channelBytes, byte[] frame, int slot) {
            this.channel = channel;
            this.channelBytes = channelBytes;
            this.frame = frame;
            this.slot = slot;
            this.size = frame.length + channelBytes.length + OVERHEAD;
        }
    }

    private final BusTopology topology;
    private final JedisClientConfig config;
    private final GatewayMetrics metrics;
    private final long budget;
    private final boolean sharded;
    private final Protocol.Command publish;
    private final Thread thread;
    private final AtomicLong held = new AtomicLong();
    private final LinkedBlockingQueue<Msg> intake = new LinkedBlockingQueue<>();
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private volatile boolean running = true;
    private volatile long drainDeadline;
    private volatile boolean up;
    private volatile int failingNodes;

    // Publisher thread only.
    private final LinkedHashMap<String, ArrayDeque<Msg>> queues = new LinkedHashMap<>();
    private final ArrayDeque<Msg> recent = new ArrayDeque<>();
    private long recentBytes;
    private final long recentBudget;
    private final long[] suspectUntil;
    private final Map<HostAndPort, Connection> connections = new HashMap<>();
    private final Map<HostAndPort, long[]> failing = new HashMap<>(); // node -> {retryAt, backoffNanos}
    private final Map<HostAndPort, Long> reachableSince = new HashMap<>();
    private long lastUpCheck;
    /**
     * Channel -> {receivers, when that many were last seen}: how many subscribers a replay must find
     * again. A lower count replaces it only once it lasted {@link #LOWER_AFTER_NANOS} (a node really
     * left the room), so the drop a failing or demoted primary shows (0 receivers) never lowers it.
     */
    private final LinkedHashMap<String, long[]> receivers = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
            return size() > COUNTS_KEPT;
        }
    };

    /**
     * @param budget bytes held at most ({@code BUS_OUTAGE_BUFFER_BYTES}); 0 keeps nothing for an
     *               unreachable node (at most once), with a 1 MB queue for normal operation
     */
    BusPublisher(BusTopology topology, JedisClientConfig config, GatewayMetrics metrics, long budget, String threadName) {
        this.topology = topology;
        this.config = config;
        this.metrics = metrics;
        this.budget = budget;
        this.sharded = topology.sharded();
        this.publish = sharded ? Protocol.Command.SPUBLISH : Protocol.Command.PUBLISH;
        this.suspectUntil = new long[sharded ? BusTopology.SLOTS : 1];
        this.recentBudget = Math.max(1 << 20, budget / 8);
        this.thread = new Thread(this::run, threadName);
        this.thread.setDaemon(true);
        long now = System.nanoTime();
        java.util.Arrays.fill(suspectUntil, now);
    }

    void start() {
        thread.start();
    }

    /** Whether every primary answers the publisher. */
    boolean up() {
        return up;
    }

    /** Nodes the publisher cannot reach now. */
    int failingNodes() {
        return failingNodes;
    }

    /** Bytes held (queued, waiting or being replayed). */
    long heldBytes() {
        return held.get();
    }

    /**
     * Queues a message for {@code channel}; false (counted) when the buffer is full or the bus closed.
     * Any thread; one room's messages must be offered from one thread at a time, in order.
     */
    boolean offer(String channel, byte[] frame) {
        byte[] channelBytes = channel.getBytes(StandardCharsets.UTF_8);
        Msg m = new Msg(channel, channelBytes, frame, topology.slot(channelBytes));
        long limit = Math.max(budget, 1 << 20);
        if (!running || held.addAndGet(m.size) > limit) {
            if (running) {
                held.addAndGet(-m.size);
                metrics.redis.busOverflow.inc();
                metrics.busErrors.labels("queue_full").inc();
            }
            metrics.busDropped.inc();
            return false;
        }
        intake.add(m);
        return true;
    }

    /** The topology moved {@code slots} to other primaries (control thread): treat them as suspect. */
    void moved(IntPredicate slots) {
        tasks.add(() -> {
            long now = System.nanoTime();
            for (int s = 0; s < suspectUntil.length; s++) {
                if (slots.test(s)) {
                    suspectUntil[s] = now + SUSPECT_NANOS;
                }
            }
            resendRecent(slots, now);
            Set<HostAndPort> primaries = topology.snapshot().primaries();
            connections.keySet().removeIf(node -> {
                if (!primaries.contains(node)) {
                    close(connections.get(node));
                    failing.remove(node);
                    return true;
                }
                return false;
            });
        });
    }

    private void run() {
        while (true) {
            Runnable task;
            while ((task = tasks.poll()) != null) {
                task.run();
            }
            if (!running && (queues.isEmpty() && intake.isEmpty() || System.nanoTime() - drainDeadline > 0)) {
                break;
            }
            if (queues.isEmpty()) {
                Msg first;
                try {
                    first = intake.poll(100, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    break;
                }
                if (first == null) {
                    lastUpCheck = System.nanoTime();
                    connectAll();
                    trimRecent(lastUpCheck);
                    continue;
                }
                enqueue(first);
            }
            Msg m;
            while ((m = intake.poll()) != null) {
                enqueue(m);
            }
            boolean progressed = round();
            long now = System.nanoTime();
            if (now - lastUpCheck > TimeUnit.MILLISECONDS.toNanos(500)) {
                lastUpCheck = now;
                connectAll();
            }
            if (!progressed) {
                sleep(5);
            }
        }
        int left = 0;
        for (ArrayDeque<Msg> q : queues.values()) {
            left += q.size();
        }
        left += intake.size();
        if (left > 0) {
            long now = System.nanoTime();
            StringBuilder why = new StringBuilder();
            queues.values().stream().limit(3).forEach(q -> {
                Msg h = q.peek();
                HostAndPort node = h.askTarget != null ? h.askTarget : topology.snapshot().owner(sharded ? h.slot : 0);
                why.append(" [").append(h.channel).append(" x").append(q.size()).append(" to ").append(node)
                        .append(node != null && blocked(node, now) ? " (unreachable)" : "")
                        .append(h.holdSince != 0 ? " waiting for receivers " + (now - h.holdSince) / 1_000_000 + " ms" : "")
                        .append(h.resend ? " resent" : "").append(']');
            });
            log.warn("redis bus closed with {} messages unsent:{}", left, why);
            metrics.redis.busDrainDropped.inc(left);
            metrics.busDropped.inc(left);
        }
        queues.clear();
        intake.clear();
        held.set(0);
        connections.values().forEach(BusPublisher::close);
        connections.clear();
        up = false;
    }

    private void enqueue(Msg m) {
        ArrayDeque<Msg> q = queues.computeIfAbsent(m.channel, k -> new ArrayDeque<>());
        Msg head = q.peek();
        if (head != null && head.buffered) {
            buffered(m); // waits behind a message that is waiting
        } else if (head == null) {
            HostAndPort node = topology.snapshot().owner(sharded ? m.slot : 0);
            if (node == null || blocked(node, System.nanoTime())) {
                buffered(m);
            }
        }
        q.add(m);
    }

    /** One pipelined round over every node; false when nothing could be sent. */
    private boolean round() {
        long now = System.nanoTime();
        BusTopology.Snapshot snap = topology.snapshot();
        Map<HostAndPort, List<Msg>> byNode = new LinkedHashMap<>();
        List<String> served = new ArrayList<>();
        int batch = 0;
        for (Iterator<Map.Entry<String, ArrayDeque<Msg>>> it = queues.entrySet().iterator(); it.hasNext() && batch < MAX_BATCH; ) {
            Map.Entry<String, ArrayDeque<Msg>> e = it.next();
            ArrayDeque<Msg> q = e.getValue();
            Msg head = q.peek();
            HostAndPort node = head.askTarget != null ? head.askTarget : snap.owner(sharded ? head.slot : 0);
            if (node == null || blocked(node, now)) {
                if (budget == 0) {
                    drop(q); // no outage buffer: at most once
                    it.remove();
                } else {
                    buffered(head);
                }
                continue;
            }
            if (head.retryAt - now > 0) {
                continue;
            }
            boolean suspect = head.resend || suspectUntil[sharded ? head.slot : 0] - now > 0;
            if (suspect) {
                byNode.computeIfAbsent(node, k -> new ArrayList<>()).add(head);
                batch++;
            } else {
                List<Msg> list = byNode.computeIfAbsent(node, k -> new ArrayList<>());
                for (Msg m : q) {
                    if (batch >= MAX_BATCH) {
                        break;
                    }
                    list.add(m);
                    batch++;
                }
            }
            served.add(e.getKey());
        }
        if (batch == 0) {
            return false;
        }
        for (String channel : served) { // rotate: served channels go to the back
            ArrayDeque<Msg> q = queues.remove(channel);
            queues.put(channel, q);
        }
        Map<HostAndPort, Connection> sent = new LinkedHashMap<>();
        for (Map.Entry<HostAndPort, List<Msg>> e : byNode.entrySet()) {
            Connection c = connection(e.getKey(), now);
            if (c == null) {
                e.getValue().forEach(this::buffered);
                continue;
            }
            try {
                for (Msg m : e.getValue()) {
                    if (m.askTarget != null) {
                        c.sendCommand(Protocol.Command.ASKING);
                    }
                    c.sendCommand(new CommandArguments(publish).add(m.channelBytes).add(m.frame));
                }
                sent.put(e.getKey(), c);
            } catch (JedisConnectionException ex) {
                nodeFailed(e.getKey(), ex, now);
                e.getValue().forEach(this::buffered);
            }
        }
        boolean progressed = false;
        for (Map.Entry<HostAndPort, Connection> e : sent.entrySet()) {
            List<Msg> msgs = byNode.get(e.getKey());
            int expected = msgs.size();
            for (Msg m : msgs) {
                expected += m.askTarget != null ? 1 : 0;
            }
            List<Object> replies;
            try {
                replies = e.getValue().getMany(expected);
            } catch (JedisConnectionException ex) {
                nodeFailed(e.getKey(), ex, now);
                msgs.forEach(this::buffered); // in doubt: kept, sent again later (receivers drop copies)
                continue;
            }
            int r = 0;
            List<Msg> fewer = new ArrayList<>();
            for (Msg m : msgs) {
                if (m.askTarget != null) {
                    r++; // ASKING's +OK
                }
                Object reply = replies.get(r++);
                if (reply instanceof JedisConnectionException ex) {
                    nodeFailed(e.getKey(), ex, now);
                    buffered(m);
                    continue;
                }
                Outcome o = answer(m, reply, now);
                progressed |= o == Outcome.ACKED;
                if (o == Outcome.FEWER) {
                    fewer.add(m);
                }
            }
            if (!fewer.isEmpty()) {
                progressed |= verify(e.getKey(), e.getValue(), fewer, now);
            }
        }
        return progressed;
    }

    /** What became of a message after Redis answered. */
    private enum Outcome { ACKED, KEPT, FEWER }

    /** Handles Redis's answer for {@code m}. */
    private Outcome answer(Msg m, Object reply, long now) {
        ArrayDeque<Msg> q = queues.get(m.channel);
        if (q == null || q.peek() != m) {
            return Outcome.KEPT; // an earlier message of its channel is still queued: it is sent again after it
        }
        if (reply instanceof Long count) {
            long[] before = receivers.get(m.channel);
            boolean checked = m.resend || suspectUntil[sharded ? m.slot : 0] - now > 0;
            if (checked) {
                if (m.holdSince == 0) {
                    m.holdSince = now;
                }
                boolean enough = before == null ? settled(m, now) : count >= before[0];
                if (!enough && now - m.holdSince < HOLD_NANOS) {
                    m.retryAt = now + RETRY_NANOS;
                    buffered(m);
                    return Outcome.KEPT;
                }
                if (!enough) {
                    before[0] = count; // waited long enough: they left for good
                }
            } else if (sharded && before != null && count < before[0]) {
                m.receivers = count; // fewer receivers: a node left the room, or this node was demoted
                return Outcome.FEWER;
            }
            if (before == null) {
                receivers.put(m.channel, new long[] {count, now});
            } else if (count >= before[0] || now - before[1] > LOWER_AFTER_NANOS) {
                before[0] = count;
                before[1] = now;
            }
            acked(q, m, now);
            return Outcome.ACKED;
        }
        if (reply instanceof JedisMovedDataException moved) {
            metrics.redis.redirections.labels("moved").inc();
            topology.moved(moved.getSlot(), moved.getTargetNode());
            suspect(m.slot, now);
            m.askTarget = null;
            buffered(m);
            return Outcome.KEPT;
        }
        if (reply instanceof JedisAskDataException ask) {
            metrics.redis.redirections.labels("ask").inc();
            suspect(m.slot, now);
            m.askTarget = ask.getTargetNode();
            buffered(m);
            return Outcome.KEPT;
        }
        String error = reply instanceof JedisDataException d ? d.getMessage() : String.valueOf(reply);
        if (transientError(error)) {
            suspect(m.slot, now);
            topology.requestRefresh();
            m.retryAt = now + TimeUnit.MILLISECONDS.toNanos(100);
            m.askTarget = null;
            buffered(m);
            return Outcome.KEPT;
        }
        log.warn("redis refused a bus message for {}: {}", m.channel, error);
        metrics.busErrors.labels("publisher").inc();
        metrics.busDropped.inc();
        q.poll();
        release(m);
        if (q.isEmpty()) {
            queues.remove(m.channel);
        }
        return Outcome.ACKED;
    }

    /**
     * Some messages reached fewer receivers than before. A demoted primary (after a manual failover)
     * still accepts {@code SPUBLISH} and delivers it to nobody, so ask the node its role: a primary
     * tells the truth (a node left the room: accept the lower count), a replica means its slots moved
     * (keep the messages and replay what it took lately, to the new primary, once the map says where).
     */
    private boolean verify(HostAndPort node, Connection c, List<Msg> fewer, long now) {
        boolean primary;
        try {
            Object role = c.executeCommand(new CommandArguments(Protocol.Command.ROLE));
            primary = role instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof byte[] b
                    && "master".equals(new String(b, StandardCharsets.UTF_8));
        } catch (JedisConnectionException e) {
            nodeFailed(node, e, now);
            fewer.forEach(this::buffered);
            return false;
        } catch (JedisDataException e) {
            primary = true; // ROLE refused (renamed, ACL): trust the count
        }
        if (primary) {
            for (Msg m : fewer) {
                ArrayDeque<Msg> q = queues.get(m.channel);
                if (q != null && q.peek() == m) {
                    receivers.put(m.channel, new long[] {m.receivers, now});
                    acked(q, m, now);
                }
            }
            return true;
        }
        log.warn("redis bus: {} was demoted to replica; replaying its recent messages to the new primary", node);
        topology.requestRefresh();
        BusTopology.Snapshot snap = topology.snapshot();
        IntPredicate slots = s -> node.equals(snap.owner(s));
        for (int s = 0; s < suspectUntil.length; s++) {
            if (slots.test(s)) {
                suspectUntil[s] = now + SUSPECT_NANOS;
            }
        }
        resendRecent(slots, now);
        for (Msg m : fewer) {
            m.resend = true;
            m.retryAt = now + RETRY_NANOS;
            buffered(m);
        }
        return false;
    }

    static boolean transientError(String error) {
        return error != null && (error.startsWith("CLUSTERDOWN") || error.startsWith("TRYAGAIN")
                || error.startsWith("LOADING") || error.startsWith("MASTERDOWN") || error.startsWith("READONLY")
                || error.startsWith("NOREPLICAS") || error.startsWith("BUSY"));
    }

    /** Without an earlier count to compare: the slot's node has answered for a while (subscribers had time to return). */
    private boolean settled(Msg m, long now) {
        HostAndPort node = topology.snapshot().owner(sharded ? m.slot : 0);
        Long since = node == null ? null : reachableSince.get(node);
        return since != null && now - since >= SETTLE_NANOS;
    }

    private void acked(ArrayDeque<Msg> q, Msg m, long now) {
        q.poll();
        if (q.isEmpty()) {
            queues.remove(m.channel);
        }
        release(m);
        metrics.busPublishes.inc();
        if (m.buffered || m.resend) {
            metrics.redis.busReplayed.inc();
        }
        m.buffered = false;
        m.resend = false;
        m.askTarget = null;
        m.holdSince = 0;
        m.ackedAt = now;
        recent.addLast(m);
        recentBytes += m.size;
        trimRecent(now);
    }

    private void trimRecent(long now) {
        while (!recent.isEmpty() && (recentBytes > recentBudget || now - recent.peekFirst().ackedAt > RECENT_NANOS)) {
            recentBytes -= recent.pollFirst().size;
        }
    }

    /** Queues again, in front of their channels, what the slots' old primary acknowledged lately. */
    private void resendRecent(IntPredicate slots, long now) {
        trimRecent(now);
        Map<String, List<Msg>> again = new LinkedHashMap<>();
        for (Iterator<Msg> it = recent.iterator(); it.hasNext(); ) {
            Msg m = it.next();
            if (slots.test(sharded ? m.slot : 0)) {
                it.remove();
                recentBytes -= m.size;
                again.computeIfAbsent(m.channel, k -> new ArrayList<>()).add(m);
            }
        }
        for (Map.Entry<String, List<Msg>> e : again.entrySet()) {
            ArrayDeque<Msg> q = queues.computeIfAbsent(e.getKey(), k -> new ArrayDeque<>());
            List<Msg> msgs = e.getValue();
            for (int i = msgs.size() - 1; i >= 0; i--) {
                Msg m = msgs.get(i);
                m.resend = true;
                m.holdSince = 0;
                m.retryAt = now;
                held.addAndGet(m.size);
                q.addFirst(m);
            }
        }
    }

    private void suspect(int slot, long now) {
        suspectUntil[sharded ? slot : 0] = now + SUSPECT_NANOS;
    }

    private void buffered(Msg m) {
        if (!m.buffered) {
            m.buffered = true;
            metrics.redis.busBuffered.inc();
        }
    }

    private void release(Msg m) {
        held.addAndGet(-m.size);
    }

    private void drop(ArrayDeque<Msg> q) {
        for (Msg m : q) {
            release(m);
        }
        metrics.busDropped.inc(q.size());
        q.clear();
    }

    private boolean blocked(HostAndPort node, long now) {
        long[] f = failing.get(node);
        return f != null && f[0] - now > 0;
    }

    /** The connection to {@code node}, connecting if needed; null (and the node marked failing) when it cannot. */
    private Connection connection(HostAndPort node, long now) {
        Connection c = connections.get(node);
        if (c != null && !c.isBroken()) {
            return c;
        }
        close(c);
        connections.remove(node);
        try {
            c = new Connection(node, config);
        } catch (RuntimeException e) {
            nodeFailed(node, e, now);
            return null;
        }
        connections.put(node, c);
        if (failing.remove(node) != null) {
            log.info("redis bus publisher reaches {} again", node);
        }
        reachableSince.putIfAbsent(node, now);
        failingNodes = failing.size();
        return c;
    }

    /** While idle: keep a connection to every primary, so health reflects reachability before any publish. */
    private void connectAll() {
        long now = System.nanoTime();
        Set<HostAndPort> primaries = topology.snapshot().primaries();
        failing.keySet().retainAll(primaries); // a dead primary replaced by its replica is no concern any more
        failingNodes = failing.size();
        boolean all = !primaries.isEmpty();
        for (HostAndPort node : primaries) {
            if (!blocked(node, now)) {
                all &= connection(node, now) != null;
            } else {
                all = false;
            }
        }
        up = all && failing.isEmpty();
    }

    private void nodeFailed(HostAndPort node, RuntimeException e, long now) {
        close(connections.remove(node));
        reachableSince.remove(node);
        long[] f = failing.get(node);
        long backoff = f == null ? TimeUnit.MILLISECONDS.toNanos(100) : Math.min(f[1] * 2, TimeUnit.SECONDS.toNanos(1));
        if (f == null) {
            metrics.busErrors.labels("publisher").inc();
            log.warn("redis bus publisher lost {} ({}); keeping messages for it (up to {} bytes)", node,
                    e.getMessage(), budget);
        }
        failing.put(node, new long[] {now + backoff, backoff});
        failingNodes = failing.size();
        up = false;
        topology.requestRefresh();
        BusTopology.Snapshot snap = topology.snapshot();
        IntPredicate slots = sharded ? s -> node.equals(snap.owner(s)) : s -> true;
        for (int s = 0; s < suspectUntil.length; s++) {
            if (slots.test(s)) {
                suspectUntil[s] = now + SUSPECT_NANOS;
            }
        }
        resendRecent(slots, now);
    }

    private static void close(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (RuntimeException ignored) {
                // already broken
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops accepting, sends what is queued until {@code drainMillis} pass, counts the rest. */
    void close(long drainMillis) {
        drainDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(drainMillis);
        running = false;
        try {
            thread.join(drainMillis + 6_000); // a send in progress may wait up to its 5 s timeout
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            thread.interrupt();
        }
    }
}
