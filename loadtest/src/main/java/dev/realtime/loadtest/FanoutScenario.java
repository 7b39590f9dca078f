package dev.realtime.loadtest;

import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.List;
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
 */
final class FanoutScenario {
    static final String EVENT = "lt";

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
        AtomicLong measureFrom = new AtomicLong(Long.MAX_VALUE);
        Report report = new Report().put("scenario", "fanout").put("protocol", adapter.name())
                .put("connections", o.connections()).put("rooms", rooms).put("publishers", publishers)
                .put("rate", o.rate()).put("payloadBytes", o.payloadBytes()).put("durationSeconds", o.durationSeconds())
                .put("warmupSeconds", o.warmupSeconds());
        try (Fleet fleet = new Fleet(o, adapter, stats); Progress progress = new Progress(stats, o.connections())) {
            fleet.open(o.connections(), i -> new LoadConnection(i, roomsOf.get(i), i % rooms, adapter, stats,
                    measureFrom::get), Math.max(60, o.connections() / 200));
            int ready = fleet.ready().size();
            if (ready < o.connections()) {
                return report.put("aborted", "only " + ready + " of " + o.connections() + " connections became ready")
                        .put("errors", stats.errors());
            }
            Channel[] pubs = new Channel[publishers];
            for (int p = 0; p < publishers; p++) {
                pubs[p] = fleet.connections.get(p).channel();
            }
            double cpu0 = server.cpuSeconds();
            long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
            measureFrom.set(start + TimeUnit.SECONDS.toNanos(o.warmupSeconds()));
            long end = start + TimeUnit.SECONDS.toNanos(o.durationSeconds());
            publish(o, adapter, stats, pubs, members, start, end);
            drain(stats, 15);
            double cpu1 = server.cpuSeconds();
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
            if (cpu0 >= 0) {
                double cpu = cpu1 - cpu0;
                report.put("serverCpuSeconds", Report.round(cpu, 2))
                        .put("serverCpuSecondsPerMillionDeliveries", delivered == 0 ? null
                                : Report.round(cpu / (delivered / 1e6), 3));
            }
            return report.put("errors", stats.errors());
        }
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
            long wait = intended - System.nanoTime();
            if (wait > 20_000) {
                LockSupport.parkNanos(wait - 10_000);
            }
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

    /** Waits until every expected delivery arrived, or nothing arrived for 3 s, or {@code maxSeconds}. */
    static void drain(Stats stats, int maxSeconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(maxSeconds);
        long last = -1;
        long lastChange = System.nanoTime();
        while (System.nanoTime() < deadline) {
            long unique = stats.delivered.sum() - stats.duplicates.sum();
            if (unique >= stats.expected.sum()) {
                return;
            }
            if (unique != last) {
                last = unique;
                lastChange = System.nanoTime();
            } else if (System.nanoTime() - lastChange > TimeUnit.SECONDS.toNanos(3)) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }
}
