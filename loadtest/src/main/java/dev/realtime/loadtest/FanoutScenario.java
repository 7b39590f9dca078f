package dev.realtime.loadtest;

import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * R rooms x M members, P publishers at a fixed total rate. Open loop: message i is due at
 * {@code start + i/rate} whatever happened before, and its latency is measured from that intended
 * time, so a stall on either side shows up as latency instead of silently lowering the load
 * (no coordinated omission).
 *
 * <p>Membership: connection k lives in room {@code k % R}; publisher p (connection p) also joins
 * every room r with {@code r % P == p} and publishes only there, so each room has one publisher and
 * its events carry an increasing sequence (duplicates are detectable per room).
 *
 * <p>Several nodes ({@code --url a,b,...}, N of them): the members of every room are dealt
 * round-robin over the nodes (see {@link #nodeOf}), so a room has members on every node and a
 * message published on one node reaches the others' members only through the cluster bus. The
 * report then splits latency into same-node and cross-node deliveries and CPU by node.
 */
final class FanoutScenario {
    static final String EVENT = "lt";
    /** Time given to the nodes' bus subscriptions (made asynchronously on join) before publishing. */
    static final long SETTLE_MILLIS = 1_000;

    /**
     * The node of connection {@code k}: its room's members are dealt round-robin starting at the
     * room's own index, {@code (k % rooms + k / rooms) % nodes}. With one room that is plain
     * {@code k % nodes}; with many rooms it still spreads every room over the nodes (plain
     * {@code k % nodes} would put all of a room's members on one node whenever N divides R), and
     * publisher p (connection p, p &lt; R) lands on node {@code p % nodes}.
     */
    static int nodeOf(int k, int rooms, int nodes) {
        return (k % rooms + k / rooms) % nodes;
    }

    static String room(int r) {
        return "load-" + r;
    }

    static Report run(Options o, ProtocolAdapter adapter, Stats stats, ServerProbe server) throws InterruptedException {
        int rooms = o.rooms();
        int publishers = o.publishers();
        int[] members = new int[rooms];
        List<List<String>> roomsOf = new ArrayList<>(o.connections());
        for (int k = 0; k < o.connections(); k++) {
            int home = k % rooms;
            List<String> mine = new ArrayList<>(List.of(room(home)));
            members[home]++;
            if (k < publishers) {
                for (int r = k; r < rooms; r += publishers) {
                    if (r != home) {
                        mine.add(room(r));
                        members[r]++;
                    }
                }
            }
            roomsOf.add(mine);
        }
        int nodes = o.urls().size();
        int[] publisherNode = new int[rooms];
        for (int r = 0; r < rooms; r++) {
            publisherNode[r] = nodeOf(r % publishers, rooms, nodes);
        }
        AtomicLong measureFrom = new AtomicLong(Long.MAX_VALUE);
        AtomicLong killedAt = new AtomicLong();
        java.util.concurrent.ConcurrentHashMap<Integer, Long> firstAfterKill = new java.util.concurrent.ConcurrentHashMap<>();
        LoadConnection.Run run = new LoadConnection.Run() {
            @Override
            public long measureFromNanos() {
                return measureFrom.get();
            }

            @Override
            public int publisherNode(int room) {
                return room >= 0 && room < rooms ? publisherNode[room] : -1;
            }

            @Override
            public long killedAtNanos() {
                return killedAt.get();
            }

            @Override
            public void crossNodeAfterKill(int room, long nanos) {
                firstAfterKill.putIfAbsent(room, nanos);
            }
        };
        Report report = new Report().put("scenario", "fanout").put("protocol", adapter.name())
                .put("connections", o.connections()).put("rooms", rooms).put("publishers", publishers)
                .put("rate", o.rate()).put("payloadBytes", o.payloadBytes()).put("durationSeconds", o.durationSeconds())
                .put("warmupSeconds", o.warmupSeconds());
        if (nodes > 1) {
            int[] perNode = new int[nodes];
            long crossMembers = 0;
            long allMembers = 0;
            for (int k = 0; k < o.connections(); k++) {
                int node = nodeOf(k, rooms, nodes);
                perNode[node]++;
                for (String room : roomsOf.get(k)) {
                    int r = Integer.parseInt(room.substring("load-".length()));
                    allMembers++;
                    if (publisherNode[r] != node) {
                        crossMembers++;
                    }
                }
            }
            report.put("nodes", o.urls().stream().map(Object::toString).toList())
                    .put("connectionsPerNode", Arrays.stream(perNode).boxed().toList())
                    .put("crossNodeMemberships", crossMembers + " of " + allMembers);
        }
        try (Fleet fleet = new Fleet(o, adapter, stats); Progress progress = new Progress(stats, o.connections())) {
            fleet.open(o.connections(), i -> new LoadConnection(i, nodeOf(i, rooms, nodes), roomsOf.get(i), i % rooms,
                    adapter, stats, run), Math.max(60, o.connections() / 200));
            int ready = fleet.ready().size();
            if (ready < o.connections()) {
                return report.put("aborted", "only " + ready + " of " + o.connections() + " connections became ready")
                        .put("errors", stats.errors());
            }
            Channel[] pubs = new Channel[publishers];
            for (int p = 0; p < publishers; p++) {
                pubs[p] = fleet.connections.get(p).channel();
            }
            if (nodes > 1) {
                // Joins are answered before the bus subscription reaches Redis: let it get there.
                TimeUnit.MILLISECONDS.sleep(SETTLE_MILLIS);
            }
            // The harness's own set-up garbage (handshakes, tokens) goes before the timed window, so a
            // collection of it cannot pause the measurement (the receive path allocates nothing).
            System.gc();
            // Server and harness figures are read over the timed window only (from the end of the
            // warm-up to the end of the drain): JIT, connection set-up and warm-up are outside it. The
            // opening readings are taken on a thread of their own, so publishing never waits for them.
            long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
            measureFrom.set(start + TimeUnit.SECONDS.toNanos(o.warmupSeconds()));
            long end = start + TimeUnit.SECONDS.toNanos(o.durationSeconds());
            java.util.concurrent.CompletableFuture<Readings> opened = new java.util.concurrent.CompletableFuture<>();
            Thread opener = new Thread(() -> {
                long wait = measureFrom.get() - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                server.resetGcWindow();
                if (stats.self != null) {
                    stats.self.resetPauses();
                }
                opened.complete(Readings.take(server, o, stats));
            }, "window");
            opener.setDaemon(true);
            opener.start();
            Thread killer = o.killPid() > 0 ? killLater(o, start, killedAt) : null;
            publish(o, adapter, stats, pubs, members, start, end);
            if (killer != null) {
                killer.join();
            }
            drain(stats, 15);
            Readings r0;
            try {
                r0 = opened.get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException("window readings failed", e);
            }
            Readings r1 = Readings.take(server, o, stats);
            double[] cpuByNode0 = r0.cpuByNode;
            double cpu0 = r0.cpu;
            double[] split0 = r0.split;
            double redis0 = r0.redis;
            double[] shards0 = r0.shards;
            double self0 = r0.self;
            double[] idle0 = r0.idle;
            Map<String, long[]> threads0 = r0.threads;
            Map<String, long[]> switches0 = r0.switches;
            Map<String, double[]> cpuThreads0 = r0.cpuThreads;
            Map<String, long[]> harness0 = r0.harness;
            Map<String, double[]> harnessCpu0 = r0.harnessCpu;
            long wall0 = r0.wall;
            double cpu1 = r1.cpu;
            double[] split1 = r1.split;
            double[] cpuByNode1 = r1.cpuByNode;
            double redis1 = r1.redis;
            double[] shards1 = r1.shards;
            double self1 = r1.self;
            double[] idle1 = r1.idle;
            Map<String, long[]> switches1 = r1.switches;
            Map<String, double[]> cpuThreads1 = r1.cpuThreads;
            Map<String, long[]> threads1 = r1.threads;
            Map<String, long[]> harness1 = r1.harness;
            Map<String, double[]> harnessCpu1 = r1.harnessCpu;
            long wall1 = r1.wall;
            // Per delivery and per message: what was delivered and sent while the window was open.
            long windowDelivered = r1.delivered - r0.delivered;
            long windowSent = r1.sent - r0.sent;
            long measuredNanos = end - measureFrom.get();
            long delivered = stats.delivered.sum();
            long duplicates = stats.duplicates.sum();
            long expected = stats.expected.sum();
            long measured = stats.measuredDelivered.sum();
            report.put("sent", stats.sent.sum()).put("expectedDeliveries", expected).put("delivered", delivered)
                    .put("lost", Math.max(0, expected - (delivered - duplicates))).put("duplicates", duplicates)
                    .put("deliveriesPerSec", Report.round(measured / (measuredNanos / 1e9), 0))
                    .put("connectsPerSec", null)
                    .put("latencyMs", Report.percentilesMs(stats.latencyTotal()));
            if (nodes > 1) {
                report.put("latencyMsSameNode", Report.percentilesMs(stats.latencyTotal(false)))
                        .put("latencyMsCrossNode", Report.percentilesMs(stats.latencyTotal(true)));
            }
            if (cpu0 >= 0) {
                double cpu = cpu1 - cpu0;
                report.put("serverCpuSeconds", Report.round(cpu, 2))
                        .put("serverCpuSecondsPerMillionDeliveries", windowDelivered == 0 ? null
                                : Report.round(cpu / (windowDelivered / 1e6), 3));
                if (split0 != null && split1 != null && windowDelivered > 0) {
                    // user (the server's own work) and system (the kernel's socket I/O) apart
                    report.put("serverCpuUserSecondsPerMillionDeliveries", Report.round((split1[0] - split0[0]) / (windowDelivered / 1e6), 3))
                            .put("serverCpuSystemSecondsPerMillionDeliveries", Report.round((split1[1] - split0[1]) / (windowDelivered / 1e6), 3));
                }
                if (nodes > 1) {
                    double[] byNode = new double[nodes];
                    for (int n = 0; n < nodes; n++) {
                        byNode[n] = Report.round(cpuByNode1[n] - cpuByNode0[n], 2);
                    }
                    report.put("serverCpuSecondsByNode", Arrays.stream(byNode).boxed().toList());
                }
            }
            long sentCount = windowSent;
            // Per delivery and per published message, over the whole publishing window (warm-up included):
            // what the server allocates (by thread group), how often its threads block or are preempted.
            if (server.hasJvm()) {
                report.put("serverAllocatedBytesPerDelivery", JvmProbe.allocatedPer(threads0, threads1, windowDelivered))
                        .put("serverAllocatedBytesPerMessage", JvmProbe.allocatedPer(threads0, threads1, sentCount));
            }
            report.put("serverCpuByThread", Limits.threadCpuDelta(cpuThreads0, cpuThreads1));
            report.put("serverContextSwitchesPerMessage", Limits.contextSwitchesPer(switches0, switches1, sentCount))
                    .put("serverGc", server.gcReport())
                    .put("harnessGc", harnessGc(stats))
                    .put("harnessAllocatedBytesPerDelivery", JvmProbe.allocatedPer(harness0, harness1, windowDelivered))
                    .put("harnessCpuByThread", Limits.threadCpuDelta(harnessCpu0, harnessCpu1));
            if (o.redisPids().size() > 1) {
                // A cluster's primaries: the total over those that lived through the run.
                redis0 = 0;
                redis1 = 0;
                for (int i = 0; i < shards0.length; i++) {
                    if (shards0[i] >= 0 && shards1[i] >= 0) {
                        redis0 += shards0[i];
                        redis1 += shards1[i];
                    }
                }
            }
            if (redis0 >= 0 && redis1 >= 0) {
                double cpu = redis1 - redis0;
                long sent = stats.sent.sum();
                report.put("redisCpuSeconds", Report.round(cpu, 2))
                        .put("redisCpuMicrosPerMessage", sent == 0 ? null : Report.round(cpu * 1e6 / sent, 1));
            }
            if (o.redisPids().size() > 1) {
                // Per Redis process (a cluster's primaries): CPU and CPU per message sent. A killed one reads -1.
                List<Double> cpuBy = new ArrayList<>();
                List<Double> perMessage = new ArrayList<>();
                long sent = stats.sent.sum();
                for (int i = 0; i < shards0.length; i++) {
                    double c = shards0[i] >= 0 && shards1[i] >= 0 ? shards1[i] - shards0[i] : -1;
                    cpuBy.add(Report.round(c, 2));
                    perMessage.add(c < 0 || sent == 0 ? null : Report.round(c * 1e6 / sent, 1));
                }
                report.put("redisPids", o.redisPids()).put("redisCpuSecondsByPid", cpuBy)
                        .put("redisCpuMicrosPerMessageByPid", perMessage);
            }
            if (killer != null) {
                report.put("failover", failover(o, killedAt.get(), firstAfterKill, rooms, publisherNode, nodes, start));
            }
            if (idle0 != null && idle1 != null && cpu0 >= 0 && self0 >= 0) {
                // CPU the machine spent on anything but the measured processes while publishing: a
                // busy neighbour shows up here (so do interrupts taken while a core was idle).
                double processes = (cpu1 - cpu0) + (self1 - self0)
                        + (redis0 >= 0 && redis1 >= 0 ? redis1 - redis0 : 0);
                double wall = (wall1 - wall0) / 1e9;
                double busy = wall * idle1[1] - (idle1[0] - idle0[0]);
                Map<String, Object> machine = new LinkedHashMap<>();
                machine.put("wallSeconds", Report.round(wall, 2));
                machine.put("cpus", (long) idle1[1]);
                machine.put("busyCpuSeconds", Report.round(busy, 2));
                machine.put("harnessCpuSeconds", Report.round(self1 - self0, 2));
                machine.put("otherCpuSeconds", Report.round(Math.max(0, busy - processes), 2));
                report.put("machineCpu", machine);
            }
            return report.put("errors", stats.errors());
        }
    }

    /** Everything read at the two ends of the timed window. */
    static final class Readings {
        double[] cpuByNode;
        double cpu;
        double[] split;
        double redis;
        /** Per Redis Cluster primary ({@code --redis-pid} with several), -1 for one that is gone. */
        double[] shards;
        double self;
        double[] idle;
        Map<String, long[]> threads;
        Map<String, long[]> switches;
        Map<String, double[]> cpuThreads;
        Map<String, long[]> harness;
        Map<String, double[]> harnessCpu;
        long wall;
        long delivered;
        long sent;

        static Readings take(ServerProbe server, Options o, Stats stats) {
            Readings r = new Readings();
            r.delivered = stats.delivered.sum();
            r.sent = stats.sent.sum();
            r.wall = System.nanoTime();
            r.cpuByNode = server.cpuSecondsByNode();
            r.cpu = server.cpuSeconds();
            r.split = server.cpuSplit();
            r.redis = Limits.cpuSeconds(o.redisPid());
            r.shards = cpuOf(o.redisPids());
            r.self = Limits.cpuSeconds(ProcessHandle.current().pid());
            r.idle = Limits.machineIdleCpuSeconds();
            r.switches = server.contextSwitches();
            r.cpuThreads = server.threadCpu();
            r.threads = server.threads();
            r.harness = stats.self == null ? Map.of() : stats.self.threads();
            r.harnessCpu = Limits.threadCpu(ProcessHandle.current().pid());
            return r;
        }
    }

    /** The harness's own GC pauses in the publishing window and over the whole run. */
    static Map<String, Object> harnessGc(Stats stats) {
        if (stats.self == null) {
            return null;
        }
        Map<String, Object> m = JvmProbe.pauseReport(stats.self.pauses());
        m.put("maxPauseMsWholeRun", stats.self.allPauses()[2] / 1000.0);
        m.put("collectors", JvmProbe.localCollectors());
        return m;
    }

    private static double[] cpuOf(List<Long> pids) {
        double[] out = new double[pids.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = Limits.cpuSeconds(pids.get(i));
        }
        return out;
    }

    /** Kills {@code --kill-pid} (SIGKILL) {@code --kill-after} seconds after {@code start}; records when. */
    private static Thread killLater(Options o, long start, AtomicLong killedAt) {
        Thread t = new Thread(() -> {
            long at = start + (long) (o.killAfterSeconds() * 1e9);
            long wait;
            while ((wait = at - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            ProcessHandle.of(o.killPid()).ifPresent(ProcessHandle::destroyForcibly);
            killedAt.set(System.nanoTime());
        }, "loadtest-kill");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * What the kill did to cross-node delivery: for every room with a member on another node than its
     * publisher, the time from the kill to its first cross-node delivery afterwards. Rooms whose channel
     * lived on a killed Redis primary wait for its replica's promotion (and the buffered replay); the
     * others show the normal latency. The maximum is the failover's blackout.
     */
    private static Map<String, Object> failover(Options o, long killedAt, Map<Integer, Long> first, int rooms,
                                                int[] publisherNode, int nodes, long start) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("killedPid", o.killPid());
        f.put("killedAtSecond", Report.round((killedAt - start) / 1e9, 2));
        List<Long> gaps = new ArrayList<>();
        int never = 0;
        for (int r = 0; r < rooms; r++) {
            if (nodes < 2) {
                break;
            }
            Long t = first.get(r);
            if (t == null) {
                never++;
            } else {
                gaps.add((t - killedAt) / 1_000_000);
            }
        }
        gaps.sort(null);
        f.put("roomsMeasured", gaps.size());
        f.put("roomsWithoutCrossNodeDeliveryAfterKill", never);
        if (!gaps.isEmpty()) {
            f.put("firstCrossNodeDeliveryAfterKillMsP50", gaps.get(gaps.size() / 2));
            f.put("firstCrossNodeDeliveryAfterKillMsMax", gaps.get(gaps.size() - 1));
            f.put("roomsSilentOver100ms", gaps.stream().filter(g -> g > 100).count());
        }
        return f;
    }

    private static void publish(Options o, ProtocolAdapter adapter, Stats stats, Channel[] pubs, int[] members,
                                long start, long end) {
        double period = 1e9 / o.rate();
        long[] seq = new long[members.length];
        int publishers = pubs.length;
        for (long i = 0; ; i++) {
            long intended = start + (long) (i * period);
            if (intended - end >= 0) {
                return;
            }
            waitUntil(intended);
            int r = (int) (i % members.length);
            Channel ch = pubs[r % publishers];
            if (!ch.isActive()) {
                stats.error("publisher_closed");
                continue;
            }
            byte[] data = Probe.encode(intended, r, seq[r]++, o.payloadBytes());
            ch.writeAndFlush(adapter.publish(ch.alloc(), room(r), EVENT, data), ch.voidPromise());
            stats.sent.increment();
            stats.expected.add(members[r]);
        }
    }

    /** Parks until about {@code nanoTime} (open-loop pacing: never later than due, spinning the last 10 µs). */
    static void waitUntil(long nanoTime) {
        long wait = nanoTime - System.nanoTime();
        if (wait > 20_000) {
            LockSupport.parkNanos(wait - 10_000);
        }
    }

    /** Waits until every expected delivery arrived, or nothing arrived for 3 s, or {@code maxSeconds}. */
    static void drain(Stats stats, int maxSeconds) throws InterruptedException {
        awaitCount(() -> stats.delivered.sum() - stats.duplicates.sum(), stats.expected::sum, maxSeconds, 3);
    }

    /**
     * Waits until {@code got} reaches {@code want}, or {@code got} did not move for {@code quietSeconds},
     * or {@code maxSeconds} passed.
     */
    static void awaitCount(java.util.function.LongSupplier got, java.util.function.LongSupplier want, int maxSeconds,
                           int quietSeconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(maxSeconds);
        long last = -1;
        long lastChange = System.nanoTime();
        while (System.nanoTime() < deadline) {
            long now = got.getAsLong();
            if (now >= want.getAsLong()) {
                return;
            }
            if (now != last) {
                last = now;
                lastChange = System.nanoTime();
            } else if (System.nanoTime() - lastChange > TimeUnit.SECONDS.toNanos(quietSeconds)) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }
}
