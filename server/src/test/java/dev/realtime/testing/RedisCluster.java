package dev.realtime.testing;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * A real Redis Cluster for tests: 3 primaries and 3 replicas ({@code redis-server} processes with
 * {@code cluster-enabled yes}) on loopback ports below 55000 (the cluster bus listens on port + 10000),
 * persistence off, {@code cluster-node-timeout} 1 s so a killed primary's replica takes over within a
 * few seconds. The cluster is formed with plain commands ({@code CLUSTER ADDSLOTSRANGE}, {@code MEET},
 * {@code REPLICATE}), which is what {@code redis-cli --cluster create} does, so only redis-server is needed.
 *
 * <p>Tests that kill, fail over or migrate must leave it healthy for the next test: {@link #heal()}
 * restarts what was killed and waits until every slot is served and every primary has a replica.
 * Not thread-safe: one test thread drives it.
 */
public final class RedisCluster implements AutoCloseable {
    private static final List<String> CANDIDATES = List.of("/usr/bin/redis-server", "/usr/local/bin/redis-server");
    public static final int SLOTS = 16384;

    /** One redis-server process. */
    public final class Node {
        final int port;
        final Path dir;
        Process process;

        Node(int port, Path dir) {
            this.port = port;
            this.dir = dir;
        }

        public int port() {
            return port;
        }

        public HostAndPort address() {
            return new HostAndPort("127.0.0.1", port);
        }

        public boolean alive() {
            return process != null && process.isAlive();
        }

        public Jedis jedis() {
            return new Jedis("127.0.0.1", port, 2000);
        }

        /** The node id ({@code CLUSTER MYID}). */
        public String id() {
            try (Jedis j = jedis()) {
                return j.clusterMyId();
            }
        }

        public boolean isPrimary() {
            try (Jedis j = jedis()) {
                return j.role().get(0).toString().equals("master");
            } catch (RuntimeException e) {
                return false;
            }
        }

        void start() throws IOException {
            String binary = CANDIDATES.stream().filter(p -> new File(p).canExecute()).findFirst()
                    .orElseThrow(() -> new IllegalStateException(
                            "redis-server not found: install it with `apt-get install -y redis-server` (.ci/run does)"));
            process = new ProcessBuilder(binary, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--cluster-enabled", "yes", "--cluster-config-file", dir.resolve("nodes.conf").toString(),
                    "--cluster-node-timeout", "1000", "--save", "", "--appendonly", "no", "--dir", dir.toString(),
                    "--protected-mode", "no")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile()))
                    .start();
            await(() -> {
                try (Jedis j = jedis()) {
                    return "PONG".equals(j.ping());
                } catch (RuntimeException notYet) {
                    return false;
                }
            }, 10, "redis-server on port " + port + " to answer");
        }

        /** Kills the process (as a crash would): its replica is promoted after the node timeout. */
        public void kill() {
            if (process != null) {
                process.destroyForcibly();
                try {
                    process.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        /** Starts a killed node again (same port and nodes.conf: it rejoins, as a replica if it was replaced). */
        public void restart() {
            try {
                start();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public String toString() {
            return "127.0.0.1:" + port;
        }
    }

    private final List<Node> nodes = new ArrayList<>();

    private RedisCluster() {
    }

    /** Starts 3 primaries and 3 replicas and waits until the cluster is ok and every replica is in sync. */
    public static RedisCluster start() {
        RedisCluster c = new RedisCluster();
        try {
            for (int port : freePorts(6)) {
                Node n = c.new Node(port, Files.createTempDirectory("redis-cluster-" + port));
                c.nodes.add(n);
                n.start();
            }
            c.form();
            return c;
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e instanceof RuntimeException re ? re : new IllegalStateException(e);
        }
    }

    private void form() {
        int per = SLOTS / 3;
        for (int i = 0; i < 3; i++) {
            int from = i * per;
            int to = i == 2 ? SLOTS - 1 : (i + 1) * per - 1;
            try (Jedis j = nodes.get(i).jedis()) {
                j.clusterAddSlotsRange(from, to);
            }
        }
        for (int i = 0; i < nodes.size(); i++) {
            try (Jedis j = nodes.get(i).jedis()) {
                j.clusterSetConfigEpoch(i + 1);
            }
        }
        try (Jedis j = nodes.get(0).jedis()) {
            for (Node n : nodes.subList(1, nodes.size())) {
                j.clusterMeet("127.0.0.1", n.port);
            }
        }
        await(() -> nodes.stream().allMatch(n -> {
            try (Jedis j = n.jedis()) {
                return j.clusterNodes().lines().count() == nodes.size();
            }
        }), 20, "every node to know every other");
        for (int i = 3; i < 6; i++) {
            String primary = nodes.get(i - 3).id();
            try (Jedis j = nodes.get(i).jedis()) {
                j.clusterReplicate(primary);
            }
        }
        awaitHealthy();
    }

    /** Every node, primaries first as formed (roles change after failovers). */
    public List<Node> nodes() {
        return List.copyOf(nodes);
    }

    /** {@code redis://127.0.0.1:p1,127.0.0.1:p2,...}: every node as a seed. */
    public String url() {
        StringBuilder b = new StringBuilder("redis://");
        for (int i = 0; i < nodes.size(); i++) {
            b.append(i == 0 ? "" : ",").append("127.0.0.1:").append(nodes.get(i).port);
        }
        return b.toString();
    }

    /** Only the first node: the client must discover the rest. */
    public String seedUrl() {
        return "redis://127.0.0.1:" + nodes.get(0).port;
    }

    public java.util.Set<HostAndPort> seeds() {
        java.util.Set<HostAndPort> s = new java.util.HashSet<>();
        nodes.forEach(n -> s.add(n.address()));
        return s;
    }

    public static int slot(String key) {
        return JedisClusterCRC16.getSlot(key);
    }

    /** The live primary that serves {@code slot} now. */
    public Node primaryOf(int slot) {
        for (Node n : nodes) {
            if (!n.alive()) {
                continue;
            }
            try (Jedis j = n.jedis()) {
                for (Object range : j.clusterSlots()) {
                    List<?> r = (List<?>) range;
                    long from = (Long) r.get(0);
                    long to = (Long) r.get(1);
                    if (slot >= from && slot <= to) {
                        int port = (int) (long) (Long) ((List<?>) r.get(2)).get(1);
                        return nodes.stream().filter(x -> x.port == port).findFirst().orElseThrow();
                    }
                }
                return null;
            } catch (RuntimeException e) {
                // ask the next node
            }
        }
        throw new IllegalStateException("no node answers CLUSTER SLOTS");
    }

    /** A replica of {@code primary}. */
    public Node replicaOf(Node primary) {
        String id = primary.id();
        for (Node n : nodes) {
            if (n != primary && n.alive()) {
                try (Jedis j = n.jedis()) {
                    for (String line : j.clusterNodes().split("\n")) {
                        String[] f = line.split(" ");
                        if (f[2].contains("myself") && f[3].equals(id)) {
                            return n;
                        }
                    }
                }
            }
        }
        throw new IllegalStateException("no replica of " + primary);
    }

    /** The primaries serving slots now. */
    public List<Node> primaries() {
        List<Node> out = new ArrayList<>();
        for (Node n : nodes) {
            if (n.alive() && n.isPrimary()) {
                try (Jedis j = n.jedis()) {
                    if (j.clusterNodes().lines().anyMatch(l -> l.contains("myself") && l.split(" ").length > 8)) {
                        out.add(n);
                    }
                }
            }
        }
        return out;
    }

    /**
     * Moves {@code slot} from its primary to {@code target} the way {@code redis-cli --cluster reshard}
     * does: IMPORTING/MIGRATING, {@code MIGRATE} of the slot's keys, then {@code SETSLOT NODE} on both
     * (the source then unsubscribes the slot's sharded channels).
     */
    public void migrate(int slot, Node target) {
        Node source = primaryOf(slot);
        if (source == target) {
            return;
        }
        String sourceId = source.id();
        String targetId = target.id();
        try (Jedis t = target.jedis(); Jedis s = source.jedis()) {
            t.clusterSetSlotImporting(slot, sourceId);
            s.clusterSetSlotMigrating(slot, targetId);
            while (true) {
                List<String> keys = s.clusterGetKeysInSlot(slot, 100);
                if (keys.isEmpty()) {
                    break;
                }
                s.migrate("127.0.0.1", target.port, 5000,
                        new redis.clients.jedis.params.MigrateParams(), keys.toArray(String[]::new));
            }
            t.clusterSetSlotNode(slot, targetId);
            s.clusterSetSlotNode(slot, targetId);
        }
        for (Node n : nodes) {
            if (n.alive() && n != source && n != target) {
                try (Jedis j = n.jedis()) {
                    j.clusterSetSlotNode(slot, targetId);
                } catch (RuntimeException e) {
                    // a replica refuses; it learns the new owner from the cluster bus
                }
            }
        }
    }

    /** Restarts killed nodes and waits until the cluster is ok with 3 primaries that each have a replica. */
    public void heal() {
        long t0 = System.nanoTime();
        boolean restarted = false;
        for (Node n : nodes) {
            if (!n.alive()) {
                n.restart();
                restarted = true;
            }
        }
        awaitHealthy();
        if (restarted) {
            System.out.println("redis cluster healed in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        }
    }

    /** Waits until every live node says cluster_state:ok and agrees, and every primary has a synced replica. */
    public void awaitHealthy() {
        await(() -> {
            for (Node n : nodes) {
                try (Jedis j = n.jedis()) {
                    if (!j.clusterInfo().contains("cluster_state:ok")) {
                        return false;
                    }
                    String repl = j.info("replication");
                    if (repl.contains("role:slave") && !repl.contains("master_link_status:up")) {
                        return false;
                    }
                    if (repl.contains("role:master") && j.clusterNodes().lines()
                            .anyMatch(l -> l.contains("myself") && l.split(" ").length > 8) && repl.contains("connected_slaves:0")) {
                        return false;
                    }
                } catch (RuntimeException e) {
                    return false;
                }
            }
            return true;
        }, 60, "the cluster to be ok with a synced replica per primary");
    }

    public static void await(BooleanSupplier condition, int seconds, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("timed out after " + seconds + " s waiting for " + what);
    }

    /** Ports p with p and p + 10000 (the cluster bus) free, all below 55000. */
    private static List<Integer> freePorts(int count) throws IOException {
        List<Integer> out = new ArrayList<>();
        Random random = new Random();
        int tries = 0;
        while (out.size() < count) {
            if (++tries > 10_000) {
                throw new IOException("no free port pairs below 55000");
            }
            int p = 20_000 + random.nextInt(35_000 - 1);
            if (out.contains(p) || out.contains(p + 10_000) || out.contains(p - 10_000)) {
                continue;
            }
            if (free(p) && free(p + 10_000)) {
                out.add(p);
            }
        }
        return out;
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        for (Node n : nodes) {
            n.kill();
        }
    }
}
