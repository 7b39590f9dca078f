package dev.realtime.cluster;

import dev.realtime.metrics.GatewayMetrics;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
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
 *       {@code MOVED}/{@code ASK}/{@code CLUSTERDOWN}, is found demoted, or the topology moves a slot
 *       to another primary, the slot is <em>suspect</em> for {@link #SUSPECT_NANOS}: what was in
 *       flight stays queued, what the node acknowledged lately is queued again in front
 *       ({@link RecentlyAcked}), and each channel of the slot is sent one message at a time, each
 *       held until Redis reports at least as many receivers as before the trouble
 *       ({@link ReceiverCounts}: the subscribers are back) or {@link #HOLD_NANOS} passed (they left
 *       for good). Copies this creates are dropped by the receivers ({@link SeqFilter}).</li>
 *   <li><b>Drain on close.</b> {@link #close} sends what is queued until a deadline and counts the rest.</li>
 * </ul>
 *
 * <p>Threading: {@link #offer} from any thread (a lock-free queue and an atomic byte count);
 * {@link #moved} hands a task to the publisher thread; all the other state belongs to the publisher
 * thread; {@link #up()} and the gauges read volatile fields.
 */
final class BusPublisher {
    private static final Logger log = LoggerFactory.getLogger(BusPublisher.class);
    static final int MAX_BATCH = 512;
    static final long SUSPECT_NANOS = TimeUnit.SECONDS.toNanos(5);
    static final long HOLD_NANOS = TimeUnit.SECONDS.toNanos(5);
    static final long SETTLE_NANOS = TimeUnit.SECONDS.toNanos(1);
    static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    static final long RECENT_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** Per message bookkeeping counted against the budget besides its bytes. */
    static final int OVERHEAD = 96;

    /** One message and its delivery state (publisher thread, after {@link #offer}). */
    static final class Msg {
        final String channel;
        final byte[] channelBytes;
        /** The caller's bytes until {@link #enqueue} numbers them; then null. */
        private byte[] payload;
        /** What goes on the wire ({@link BusFrame}: run, seq, payload), set by {@link #enqueue}. */
        byte[] frame;
        /** The channel's slot; 0 on one server. */
        final int slot;
        final int size;
        HostAndPort askTarget;
        boolean buffered;
        boolean resend;
        long holdSince;
        long retryAt;
        long ackedAt;
        long receivers;

        Msg(String channel, byte[] channelBytes, byte[] payload, int slot) {
            this.channel = channel;
            this.channelBytes = channelBytes;
            this.payload = payload;
            this.slot = slot;
            this.size = BusFrame.HEADER + payload.length + channelBytes.length + OVERHEAD;
        }
    }

    /** What became of a message after Redis answered. */
    private enum Outcome { ACKED, KEPT, FEWER }

    private final BusTopology topology;
    private final GatewayMetrics metrics;
    /** This publisher's run id ({@link BusFrame}); random per bus instance. */
    private final long run;
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

    // Publisher thread only.
    /** The last sequence number given ({@link #enqueue}, in intake order). */
    private long seq;
    private final LinkedHashMap<String, ArrayDeque<Msg>> queues = new LinkedHashMap<>();
    private final RecentlyAcked recent;
    private final ReceiverCounts receivers = new ReceiverCounts();
    private final PublishConnections connections;
    private final long[] suspectUntil;
    private long lastUpCheck;

    /**
     * @param budget bytes held at most ({@code BUS_OUTAGE_BUFFER_BYTES}); 0 keeps nothing for an
     *               unreachable node (at most once), with a 1 MB queue for normal operation
     */
    BusPublisher(BusTopology topology, JedisClientConfig config, GatewayMetrics metrics, long budget, String threadName,
                 long run) {
        this.topology = topology;
        this.run = run;
        this.metrics = metrics;
        this.budget = budget;
        this.sharded = topology.sharded();
        this.publish = sharded ? Protocol.Command.SPUBLISH : Protocol.Command.PUBLISH;
        this.connections = new PublishConnections(config);
        this.recent = new RecentlyAcked(Math.max(1 << 20, budget / 8), RECENT_NANOS);
        this.suspectUntil = new long[sharded ? BusTopology.SLOTS : 1];
        Arrays.fill(suspectUntil, System.nanoTime());
        this.thread = new Thread(this::run, threadName);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Whether every primary answers the publisher. */
    boolean up() {
        return up;
    }

    /** Nodes the publisher failed to reach a moment ago (in their backoff). Any thread. */
    java.util.Set<HostAndPort> failingNodes() {
        return connections.failingNodes();
    }

    /** Bytes held (queued, waiting or being replayed). */
    long heldBytes() {
        return held.get();
    }

    /**
     * Queues {@code payload} for {@code channel}; false (counted) when the buffer is full or the bus
     * closed. Any thread, several at once for one channel (a room's shard, its signals and peer
     * messages): messages are numbered on the publisher thread in the order they arrive, so a
     * receiver's "not newer than the last seen" check ({@link SeqFilter}) only ever drops copies.
     */
    boolean offer(String channel, byte[] payload) {
        byte[] channelBytes = channel.getBytes(StandardCharsets.UTF_8);
        Msg m = new Msg(channel, channelBytes, payload, topology.slot(channelBytes));
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

    /** The topology moved the slots {@code slots} accepts to other primaries (control thread). */
    void moved(IntPredicate slots) {
        tasks.add(() -> {
            long now = System.nanoTime();
            trouble(slots, now);
            connections.retain(topology.snapshot().primaries());
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
                    checkUp(System.nanoTime());
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
                checkUp(now);
            }
            if (!progressed) {
                sleep(5);
            }
        }
        int left = intake.size();
        for (ArrayDeque<Msg> q : queues.values()) {
            left += q.size();
        }
        if (left > 0) {
            log.warn("redis bus closed with {} messages unsent", left);
            metrics.redis.busDrainDropped.inc(left);
            metrics.busDropped.inc(left);
        }
        queues.clear();
        intake.clear();
        held.set(0);
        connections.closeAll();
        up = false;
    }

    private void enqueue(Msg m) {
        m.frame = BusFrame.wrap(run, ++seq, m.payload); // numbered in queue order, whichever thread offered it
        m.payload = null;
        ArrayDeque<Msg> q = queues.computeIfAbsent(m.channel, k -> new ArrayDeque<>());
        Msg head = q.peek();
        if (head != null && head.buffered) {
            buffered(m); // waits behind a message that is waiting
        } else if (head == null) {
            HostAndPort node = topology.snapshot().owner(m.slot);
            if (node == null || connections.blocked(node, System.nanoTime())) {
                buffered(m);
            }
        }
        q.add(m);
    }

    private boolean suspect(Msg m, long now) {
        return m.resend || suspectUntil[m.slot] - now > 0;
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
            HostAndPort node = head.askTarget != null ? head.askTarget : snap.owner(head.slot);
            if (node == null || connections.blocked(node, now)) {
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
            List<Msg> list = byNode.computeIfAbsent(node, k -> new ArrayList<>());
            if (suspect(head, now)) {
                list.add(head); // one at a time while suspect
                batch++;
            } else {
                for (Iterator<Msg> mi = q.iterator(); mi.hasNext() && batch < MAX_BATCH; batch++) {
                    list.add(mi.next());
                }
            }
            served.add(e.getKey());
        }
        if (batch == 0) {
            return false;
        }
        for (String channel : served) { // rotate: served channels go to the back
            queues.put(channel, queues.remove(channel));
        }
        Map<HostAndPort, Connection> sent = send(byNode, now);
        boolean progressed = false;
        for (Map.Entry<HostAndPort, Connection> e : sent.entrySet()) {
            progressed |= read(e.getKey(), e.getValue(), byNode.get(e.getKey()), now);
        }
        return progressed;
    }

    /** Writes each node's messages; returns the connections written to (a node that fails is skipped). */
    private Map<HostAndPort, Connection> send(Map<HostAndPort, List<Msg>> byNode, long now) {
        Map<HostAndPort, Connection> sent = new LinkedHashMap<>();
        for (Map.Entry<HostAndPort, List<Msg>> e : byNode.entrySet()) {
            Connection c = connections.get(e.getKey(), now);
            if (c == null) {
                nodeFailed(e.getKey(), "cannot connect", now);
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
                nodeFailed(e.getKey(), ex.getMessage(), now);
                e.getValue().forEach(this::buffered);
            }
        }
        return sent;
    }

    /** Reads a node's replies; true when some message left its queue. */
    private boolean read(HostAndPort node, Connection c, List<Msg> msgs, long now) {
        int expected = msgs.size();
        for (Msg m : msgs) {
            expected += m.askTarget != null ? 1 : 0;
        }
        List<Object> replies;
        try {
            replies = c.getMany(expected);
        } catch (JedisConnectionException ex) {
            nodeFailed(node, ex.getMessage(), now);
            msgs.forEach(this::buffered); // in doubt: kept, sent again later (receivers drop copies)
            return false;
        }
        boolean progressed = false;
        List<Msg> fewer = new ArrayList<>();
        int r = 0;
        for (Msg m : msgs) {
            if (m.askTarget != null) {
                r++; // ASKING's +OK
            }
            Object reply = replies.get(r++);
            if (reply instanceof JedisConnectionException ex) {
                nodeFailed(node, ex.getMessage(), now);
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
            progressed |= verify(node, c, fewer, now);
        }
        return progressed;
    }

    /** Handles Redis's answer for {@code m}. */
    private Outcome answer(Msg m, Object reply, long now) {
        ArrayDeque<Msg> q = queues.get(m.channel);
        if (q == null || q.peek() != m) {
            return Outcome.KEPT; // an earlier message of its channel is still queued: it is sent again after it
        }
        if (reply instanceof Long count) {
            long before = receivers.expected(m.channel);
            if (suspect(m, now)) {
                if (m.holdSince == 0) {
                    m.holdSince = now;
                }
                boolean enough = before < 0 ? settled(m, now) : count >= before;
                if (!enough && now - m.holdSince < HOLD_NANOS) {
                    m.retryAt = now + RETRY_NANOS; // the receivers are not all back yet: again shortly
                    buffered(m);
                    return Outcome.KEPT;
                }
                if (!enough) {
                    receivers.settle(m.channel, count, now); // waited long enough: they left for good
                }
            } else if (sharded && before >= 0 && count < before) {
                m.receivers = count; // fewer receivers: a node left the room, or this node was demoted
                return Outcome.FEWER;
            }
            receivers.seen(m.channel, count, now);
            acked(q, m, now);
            return Outcome.ACKED;
        }
        if (reply instanceof JedisMovedDataException moved) {
            metrics.redis.redirections.labels("moved").inc();
            topology.moved(moved.getSlot(), moved.getTargetNode());
            suspectUntil[m.slot] = now + SUSPECT_NANOS;
            m.askTarget = null;
            buffered(m);
            return Outcome.KEPT;
        }
        if (reply instanceof JedisAskDataException ask) {
            metrics.redis.redirections.labels("ask").inc();
            suspectUntil[m.slot] = now + SUSPECT_NANOS;
            m.askTarget = ask.getTargetNode();
            buffered(m);
            return Outcome.KEPT;
        }
        String error = reply instanceof JedisDataException d ? d.getMessage() : String.valueOf(reply);
        if (transientError(error)) {
            suspectUntil[m.slot] = now + SUSPECT_NANOS;
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

    static boolean transientError(String error) {
        return error != null && (error.startsWith("CLUSTERDOWN") || error.startsWith("TRYAGAIN")
                || error.startsWith("LOADING") || error.startsWith("MASTERDOWN") || error.startsWith("READONLY")
                || error.startsWith("NOREPLICAS") || error.startsWith("BUSY"));
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
            nodeFailed(node, e.getMessage(), now);
            fewer.forEach(this::buffered);
            return false;
        } catch (JedisDataException e) {
            primary = true; // ROLE refused (renamed, ACL): trust the count
        }
        if (primary) {
            for (Msg m : fewer) {
                ArrayDeque<Msg> q = queues.get(m.channel);
                if (q != null && q.peek() == m) {
                    receivers.settle(m.channel, m.receivers, now);
                    acked(q, m, now);
                }
            }
            return true;
        }
        log.warn("redis bus: {} was demoted to replica; replaying its recent messages to the new primary", node);
        topology.requestRefresh();
        BusTopology.Snapshot snap = topology.snapshot();
        trouble(s -> node.equals(snap.owner(s)), now);
        for (Msg m : fewer) {
            m.resend = true;
            m.retryAt = now + RETRY_NANOS;
            buffered(m);
        }
        return false;
    }

    /** Without an earlier count to compare: the slot's node has answered for a while (subscribers had time to return). */
    private boolean settled(Msg m, long now) {
        Long since = connections.reachableSince(topology.snapshot().owner(m.slot));
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
        recent.add(m, now);
    }

    /**
     * Trouble on the slots {@code slots} accepts: suspect for a while, and what their node took lately
     * is queued again in front of each channel's queue.
     */
    private void trouble(IntPredicate slots, long now) {
        for (int s = 0; s < suspectUntil.length; s++) {
            if (slots.test(s)) {
                suspectUntil[s] = now + SUSPECT_NANOS;
            }
        }
        for (Map.Entry<String, List<Msg>> e : recent.take(slots, now).entrySet()) {
            ArrayDeque<Msg> q = queues.computeIfAbsent(e.getKey(), k -> new ArrayDeque<>());
            List<Msg> again = e.getValue();
            for (int i = again.size() - 1; i >= 0; i--) {
                Msg m = again.get(i);
                m.resend = true;
                m.holdSince = 0;
                m.retryAt = now;
                held.addAndGet(m.size);
                q.addFirst(m);
            }
        }
    }

    private void nodeFailed(HostAndPort node, String why, long now) {
        if (connections.failed(node, now)) {
            metrics.busErrors.labels("publisher").inc();
            log.warn("redis bus publisher lost {} ({}); keeping messages for it (up to {} bytes)", node, why,
                    Math.max(budget, 1 << 20));
        }
        up = false;
        topology.requestRefresh();
        BusTopology.Snapshot snap = topology.snapshot();
        trouble(sharded ? s -> node.equals(snap.owner(s)) : s -> true, now);
    }

    /** Keeps a connection to every primary, so health reflects reachability before any publish. */
    private void checkUp(long now) {
        lastUpCheck = now;
        recent.trim(now);
        Set<HostAndPort> primaries = topology.snapshot().primaries();
        connections.retain(primaries);
        boolean all = !primaries.isEmpty();
        for (HostAndPort node : primaries) {
            if (connections.blocked(node, now)) {
                all = false;
            } else if (connections.get(node, now) == null) {
                nodeFailed(node, "cannot connect", now);
                all = false;
            }
        }
        up = all && !connections.anyFailing();
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
