package dev.realtime.loadtest;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Holds N idle connections for {@code --duration} seconds and reads the server's memory from its
 * {@code /metrics} before and after (with a forced GC through jcmd when {@code --server-pid} is
 * given), reporting bytes per connection. With several nodes the connections go round-robin and
 * the gauges are summed over the nodes before dividing.
 */
final class IdleScenario {
    private static final String[] GAUGES = {"realtime_heap_after_gc_bytes", "process_resident_memory_bytes",
        "realtime_netty_direct_memory_bytes", "jvm_buffer_pool_used_bytes{pool=\"direct\",}", "realtime_connections"};

    private IdleScenario() {
    }

    static Report run(Options o, ProtocolAdapter adapter, Stats stats, ServerProbe server) throws InterruptedException {
        Report report = new Report().put("scenario", "idle").put("protocol", adapter.name())
                .put("connections", o.connections()).put("durationSeconds", o.durationSeconds());
        boolean gc = server.gc();
        Map<String, Double> before = server.metrics();
        try (Fleet fleet = new Fleet(o, adapter, stats); Progress progress = new Progress(stats, o.connections())) {
            long t0 = System.nanoTime();
            fleet.open(o.connections(), i -> new LoadConnection(i, i % o.urls().size(), List.of(), 0, adapter, stats,
                    () -> Long.MAX_VALUE), Math.max(120, o.connections() / 100));
            long held = fleet.ready().size();
            long remaining = TimeUnit.SECONDS.toNanos(o.durationSeconds()) - (System.nanoTime() - t0);
            if (remaining > 0) {
                TimeUnit.NANOSECONDS.sleep(remaining);
            }
            boolean collected = server.gc();
            Map<String, Double> after = server.metrics();
            if (after.isEmpty()) { // stopped, hung or gone: no figure to report
                report.put("aborted", "the server's metrics could not be read after the hold");
            } else if (gc && !collected) {
                report.put("aborted", "the forced GC before the reading failed (see above)");
            }
            Map<String, Object> perConn = new LinkedHashMap<>();
            Map<String, Object> totals = new LinkedHashMap<>();
            for (String g : GAUGES) {
                Double b = before.get(g);
                Double a = after.get(g);
                totals.put(g, a);
                if (a != null && b != null && held > 0 && !g.equals("realtime_connections")) {
                    perConn.put(g, Report.round((a - b) / held, 0));
                }
            }
            return report.put("connected", held).put("failed", o.connections() - held).put("forcedGc", gc)
                    .put("bytesPerConnection", perConn).put("serverAfter", totals)
                    .put("handshakeMs", Report.percentilesMs(stats.handshakeTotal()))
                    .put("errors", stats.errors());
        }
    }
}
