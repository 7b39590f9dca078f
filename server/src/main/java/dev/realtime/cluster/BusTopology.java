package dev.realtime.cluster;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * Where the bus's channels live. On one Redis server every channel is on that server (one "slot",
 * 0). On Redis Cluster a channel lives on the primary serving its key slot (sharded pub/sub), learned
 * from {@code CLUSTER SLOTS}: {@link #refresh} asks the last node that answered, else any known node
 * or seed, and notes the cluster's state ({@code CLUSTER INFO}) and the failovers it sees (a slot
 * range taken over by a node that was a replica).
 *
 * <p>Threading: {@link #refresh} runs on one thread at a time (the bus's control thread); every
 * reader (publisher, control thread, health checks) reads the current immutable {@link Snapshot}
 * through a volatile field.
 */
final class BusTopology {
    private static final Logger log = LoggerFactory.getLogger(BusTopology.class);
    static final int SLOTS = 16384;

    /**
     * One view of the cluster.
     *
     * @param owners    the primary of each slot (null: not served), one entry in standalone mode
     * @param primaries the nodes serving slots
     * @param replicas  the replicas of those
     * @param state     {@code ok}, {@code fail} or {@code unknown} (nothing answered yet)
     */
    record Snapshot(HostAndPort[] owners, Set<HostAndPort> primaries, Set<HostAndPort> replicas, String state,
                    long version) {
        HostAndPort owner(int slot) {
            return owners[slot];
        }

        boolean covered() {
            for (HostAndPort h : owners) {
                if (h == null) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Told, on the refreshing thread, about a new primary for some slots. */
    interface Listener {
        void moved(Snapshot before, Snapshot after);
    }

    private final boolean sharded;
    private final List<HostAndPort> seeds;
    private final JedisClientConfig config;
    private final Runnable onFailover;
    private volatile Snapshot snapshot;
    private volatile boolean refreshWanted;
    /** The connection refresh() reuses (refreshing thread only). */
    private Jedis probe;
    private HostAndPort probeNode;

    private BusTopology(boolean sharded, List<HostAndPort> seeds, JedisClientConfig config, Runnable onFailover) {
        this.sharded = sharded;
        this.seeds = List.copyOf(seeds);
        this.config = config;
        this.onFailover = onFailover;
        if (sharded) {
            this.snapshot = new Snapshot(new HostAndPort[SLOTS], Set.of(), Set.of(), "unknown", 0);
        } else {
            this.snapshot = new Snapshot(new HostAndPort[] {seeds.get(0)}, Set.of(seeds.get(0)), Set.of(), "ok", 0);
        }
    }

    /** One Redis server: every channel on it. */
    static BusTopology standalone(HostAndPort server) {
        return new BusTopology(false, List.of(server), null, () -> { });
    }

    /**
     * Redis Cluster reached through {@code seeds}.
     *
     * @param onFailover run for every failover seen
     */
    static BusTopology cluster(List<HostAndPort> seeds, JedisClientConfig config, Runnable onFailover) {
        return new BusTopology(true, seeds, config, onFailover);
    }

    boolean sharded() {
        return sharded;
    }

    Snapshot snapshot() {
        return snapshot;
    }

    /** The slot of {@code channel} (0 on one server). */
    int slot(byte[] channel) {
        return sharded ? JedisClusterCRC16.getSlot(channel) : 0;
    }

    /** Asks for a refresh on the next control tick (after a failure or a redirection). Any thread. */
    void requestRefresh() {
        refreshWanted = true;
    }

    boolean refreshWanted() {
        return refreshWanted;
    }

    /**
     * {@code MOVED slot node}: patch the map at once (a full refresh is requested too). Any thread;
     * a concurrent refresh may overwrite the patch with what the cluster says, which is as good.
     */
    void moved(int slot, HostAndPort node) {
        refreshWanted = true;
        if (!sharded) {
            return;
        }
        Snapshot s = snapshot;
        if (Objects.equals(s.owner(slot), node)) {
            return;
        }
        HostAndPort[] owners = s.owners().clone();
        owners[slot] = node;
        Set<HostAndPort> primaries = new LinkedHashSet<>(s.primaries());
        primaries.add(node);
        snapshot = new Snapshot(owners, Set.copyOf(primaries), s.replicas(), s.state(), s.version() + 1);
    }

    /** Every node worth trying: the current primaries and replicas, then the seeds. */
    List<HostAndPort> knownNodes() {
        Snapshot s = snapshot;
        Set<HostAndPort> all = new LinkedHashSet<>(s.primaries());
        all.addAll(s.replicas());
        all.addAll(seeds);
        return new ArrayList<>(all);
    }

    /**
     * Reads the slot map and state from the cluster (blocking, bounded by the client timeouts per
     * node tried). Returns whether some node answered. A no-op on one server.
     */
    boolean refresh(Listener listener) {
        refreshWanted = false;
        if (!sharded) {
            return true;
        }
        List<HostAndPort> candidates = knownNodes();
        if (probe != null) {
            candidates.remove(probeNode);
            candidates.add(0, probeNode);
        }
        for (HostAndPort node : candidates) {
            try {
                if (probe == null || !node.equals(probeNode)) {
                    closeProbe();
                    probe = new Jedis(node, config);
                    probeNode = node;
                }
                List<Object> slots = probe.clusterSlots();
                String info = probe.clusterInfo();
                apply(node, slots, info.contains("cluster_state:ok") ? "ok" : "fail", listener);
                return true;
            } catch (RuntimeException e) {
                closeProbe();
                log.debug("topology from {} failed: {}", node, e.toString());
            }
        }
        Snapshot s = snapshot;
        if (!"unknown".equals(s.state()) && !"unreachable".equals(s.state())) {
            snapshot = new Snapshot(s.owners(), s.primaries(), s.replicas(), "unreachable", s.version() + 1);
        }
        return false;
    }

    private void apply(HostAndPort from, List<Object> slots, String state, Listener listener) {
        HostAndPort[] owners = new HostAndPort[SLOTS];
        Set<HostAndPort> primaries = new LinkedHashSet<>();
        Set<HostAndPort> replicas = new LinkedHashSet<>();
        for (Object o : slots) {
            List<?> range = (List<?>) o;
            int first = (int) (long) (Long) range.get(0);
            int last = (int) (long) (Long) range.get(1);
            HostAndPort primary = node(range.get(2), from);
            primaries.add(primary);
            Arrays.fill(owners, first, last + 1, primary);
            for (int i = 3; i < range.size(); i++) {
                replicas.add(node(range.get(i), from));
            }
        }
        Snapshot before = snapshot;
        boolean changed = !Arrays.equals(before.owners(), owners);
        if (!changed && before.state().equals(state) && before.replicas().equals(replicas)) {
            return;
        }
        Snapshot after = new Snapshot(owners, Set.copyOf(primaries), Set.copyOf(replicas), state, before.version() + 1);
        snapshot = after;
        if (changed) {
            countFailovers(before, after);
            listener.moved(before, after);
        }
        if (!before.state().equals(state)) {
            log.info("redis cluster state {} ({} primaries)", state, primaries.size());
        }
    }

    /** A slot range whose new primary was a replica before: a failover (counted once per old/new pair). */
    private void countFailovers(Snapshot before, Snapshot after) {
        Set<String> seen = new LinkedHashSet<>();
        for (int slot = 0; slot < SLOTS; slot++) {
            HostAndPort was = before.owner(slot);
            HostAndPort now = after.owner(slot);
            if (was != null && now != null && !was.equals(now) && before.replicas().contains(now)
                    && seen.add(was + ">" + now)) {
                log.warn("redis cluster failover: {} took over from {}", now, was);
                onFailover.run();
            }
        }
    }

    private static HostAndPort node(Object info, HostAndPort from) {
        List<?> n = (List<?>) info;
        String host = new String((byte[]) n.get(0), java.nio.charset.StandardCharsets.UTF_8);
        int port = (int) (long) (Long) n.get(1);
        return new HostAndPort(host.isEmpty() || host.equals("?") ? from.getHost() : host, port);
    }

    private void closeProbe() {
        if (probe != null) {
            try {
                probe.close();
            } catch (RuntimeException ignored) {
                // already broken
            }
            probe = null;
            probeNode = null;
        }
    }

    /** Closes the refresh connection (refreshing thread, or after it stopped). */
    void close() {
        closeProbe();
    }
}
