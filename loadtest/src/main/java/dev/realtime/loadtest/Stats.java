package dev.realtime.loadtest;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Counters and latency recorders of one run, written by many event loops. Thread-safe: adders,
 * a concurrent error map, and HdrHistogram {@link Recorder}s (wait-free writers). The totals are
 * accumulated by the single progress thread from interval snapshots.
 */
final class Stats {
    private static final long MAX_MICROS = 3_600_000_000L;

    final LongAdder sent = new LongAdder();
    final LongAdder expected = new LongAdder();
    final LongAdder delivered = new LongAdder();
    final LongAdder measuredDelivered = new LongAdder();
    final LongAdder duplicates = new LongAdder();
    final LongAdder connected = new LongAdder();
    final LongAdder ready = new LongAdder();
    final LongAdder failed = new LongAdder();
    /** Room count events received ({@code video:viewers}, {@code chat:user-count}). */
    final LongAdder countEvents = new LongAdder();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    /** The harness's own JVM: its GC pauses are reported next to the server's (it must not pause either). */
    final JvmProbe self = JvmProbe.self();

    /**
     * End-to-end delivery latency, microseconds from the intended send time, of deliveries made by
     * the publisher's own node (with one node: all of them).
     */
    final Recorder latency = new Recorder(MAX_MICROS, 3);
    /** The same for deliveries to members on another node than the publisher (through the bus). */
    final Recorder latencyCross = new Recorder(MAX_MICROS, 3);
    /** Handshake latency, microseconds from TCP connect start to the session being accepted. */
    final Recorder handshake = new Recorder(MAX_MICROS, 3);

    private final Histogram latencyTotal = new Histogram(MAX_MICROS, 3);
    private final Histogram latencyCrossTotal = new Histogram(MAX_MICROS, 3);
    private final Histogram handshakeTotal = new Histogram(MAX_MICROS, 3);

    void error(String reason) {
        errors.computeIfAbsent(reason, k -> new LongAdder()).increment();
    }

    Map<String, Long> errors() {
        Map<String, Long> out = new TreeMap<>();
        errors.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    void recordLatencyNanos(long nanos) {
        recordLatencyNanos(nanos, false);
    }

    void recordLatencyNanos(long nanos, boolean crossNode) {
        (crossNode ? latencyCross : latency).recordValue(Math.min(MAX_MICROS, Math.max(0, nanos / 1000)));
    }

    void recordHandshakeNanos(long nanos) {
        handshake.recordValue(Math.min(MAX_MICROS, Math.max(0, nanos / 1000)));
    }

    /** Folds the latency interval into the totals and returns the interval, both kinds (progress thread only). */
    synchronized Histogram latencyInterval() {
        Histogram interval = latency.getIntervalHistogram();
        Histogram cross = latencyCross.getIntervalHistogram();
        latencyTotal.add(interval);
        latencyCrossTotal.add(cross);
        interval.add(cross);
        return interval;
    }

    /** Every delivery's latency so far. */
    synchronized Histogram latencyTotal() {
        fold();
        Histogram all = latencyTotal.copy();
        all.add(latencyCrossTotal);
        return all;
    }

    /** Latency so far of same-node ({@code crossNode} false) or cross-node deliveries only. */
    synchronized Histogram latencyTotal(boolean crossNode) {
        fold();
        return (crossNode ? latencyCrossTotal : latencyTotal).copy();
    }

    private void fold() {
        latencyTotal.add(latency.getIntervalHistogram());
        latencyCrossTotal.add(latencyCross.getIntervalHistogram());
    }

    synchronized Histogram handshakeTotal() {
        handshakeTotal.add(handshake.getIntervalHistogram());
        return handshakeTotal.copy();
    }
}
