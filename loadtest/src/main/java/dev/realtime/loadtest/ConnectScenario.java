package dev.realtime.loadtest;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A connect storm: N handshakes at {@code --ramp} per second (0 = as fast as possible). First,
 * {@code --warmup} seconds' worth of handshakes at the same rate (at most N, at least 200 when the
 * warm-up is not 0; 2,000 a second for a storm) are opened and closed untimed in this JVM: a fresh
 * harness interprets and compiles its own client code for the first second or two, and handshakes
 * started then waited on the harness, not the server (p90 0.4-1.3 s at 2,000/s against a bare
 * Netty server too, p50 0.5 ms).
 */
final class ConnectScenario {
    private ConnectScenario() {
    }

    static Report run(Options o, ProtocolAdapter adapter, Stats stats, ServerProbe server) throws InterruptedException {
        AtomicLong firstStart = new AtomicLong(Long.MAX_VALUE);
        AtomicLong lastReady = new AtomicLong(Long.MIN_VALUE);
        Report report = new Report().put("scenario", "connect").put("protocol", adapter.name())
                .put("connections", o.connections()).put("ramp", o.ramp());
        int warm = warmupConnections(o);
        if (warm > 0) {
            Double before = server.metrics().get(CONNECTIONS);
            Stats untimed = new Stats();
            try (Fleet fleet = new Fleet(o, adapter, untimed)) {
                fleet.open(warm, i -> new LoadConnection(i, i % o.urls().size(), List.of(), 0, adapter, untimed,
                        () -> Long.MAX_VALUE), Math.max(60, warm / 100));
            }
            report.put("warmupConnections", warm).put("warmupErrors", untimed.errors());
            awaitClosed(server, before);
        }
        double cpu0 = server.cpuSeconds();
        double[] split0 = server.cpuSplit();
        java.util.Map<String, long[]> threads0 = server.threads();
        java.util.Map<String, double[]> cpuThreads0 = server.threadCpu();
        server.resetGcWindow();
        try (Fleet fleet = new Fleet(o, adapter, stats); Progress progress = new Progress(stats, o.connections())) {
            fleet.open(o.connections(), i -> {
                firstStart.accumulateAndGet(System.nanoTime(), Math::min);
                LoadConnection c = new LoadConnection(i, i % o.urls().size(), List.of(), 0, adapter, stats,
                        () -> Long.MAX_VALUE);
                c.ready.thenRun(() -> lastReady.accumulateAndGet(System.nanoTime(), Math::max));
                return c;
            }, Math.max(60, o.connections() / 100));
            double cpu1 = server.cpuSeconds();
            double[] split1 = server.cpuSplit();
            java.util.Map<String, long[]> threads1 = server.threads();
            java.util.Map<String, double[]> cpuThreads1 = server.threadCpu();
            long ok = fleet.ready().size();
            double seconds = (lastReady.get() - firstStart.get()) / 1e9;
            report.put("connected", ok).put("failed", o.connections() - ok)
                    .put("connectsPerSec", ok == 0 || seconds <= 0 ? 0 : Report.round(ok / seconds, 0))
                    .put("elapsedSeconds", Report.round(seconds, 3))
                    .put("handshakeMs", Report.percentilesMs(stats.handshakeTotal()))
                    .put("latencyMs", Report.percentilesMs(stats.handshakeTotal()));
            if (cpu0 >= 0) {
                report.put("serverCpuSeconds", Report.round(cpu1 - cpu0, 2))
                        .put("serverCpuMicrosPerHandshake", ok == 0 ? null : Report.round((cpu1 - cpu0) * 1e6 / ok, 1));
                if (split0 != null && split1 != null && ok > 0) {
                    report.put("serverCpuUserMicrosPerHandshake", Report.round((split1[0] - split0[0]) * 1e6 / ok, 1))
                            .put("serverCpuSystemMicrosPerHandshake", Report.round((split1[1] - split0[1]) * 1e6 / ok, 1));
                }
            }
            if (server.hasJvm()) {
                report.put("serverAllocatedBytesPerHandshake", JvmProbe.allocatedPer(threads0, threads1, ok))
                        .put("serverCpuByThread", Limits.threadCpuDelta(cpuThreads0, cpuThreads1))
                        .put("serverGc", server.gcReport());
            }
            report.put("harnessGc", FanoutScenario.harnessGc(stats));
            return report.put("errors", stats.errors());
        }
    }

    private static final String CONNECTIONS = "realtime_connections";

    /**
     * Waits until the server has dealt with the warm-up's connections, so their closing is not in
     * the timed window: until its connection gauge is back where it was (our server; at most 30 s),
     * then until its CPU is quiet (any server given with {@code --server-pid}; at most 10 s).
     */
    private static void awaitClosed(ServerProbe server, Double before) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Double now;
        while (before != null && (now = server.metrics().get(CONNECTIONS)) != null && now > before
                && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(100); // the gauge is read over HTTP: poll it
        }
        awaitQuiet(server);
    }

    /** Until a 200 ms window costs the server at most one 10 ms CPU tick; nothing to watch without a pid. */
    private static void awaitQuiet(ServerProbe server) throws InterruptedException {
        double last = server.cpuSeconds();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (last >= 0 && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(200);
            double now = server.cpuSeconds();
            if (now - last <= 0.011) {
                return;
            }
            last = now;
        }
    }

    /** Untimed handshakes before the storm: {@code --warmup} seconds at the storm's rate (see the class). */
    static int warmupConnections(Options o) {
        if (o.warmupSeconds() <= 0) {
            return 0;
        }
        double perSecond = o.ramp() > 0 ? o.ramp() : 2_000;
        return (int) Math.min(o.connections(), Math.max(200, Math.round(perSecond * o.warmupSeconds())));
    }
}
