package dev.realtime.loadtest;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Counters of one soak run, written from many event loops and threads. Thread-safe. */
final class SoakStats {
    final LongAdder connects = new LongAdder();
    final LongAdder sent = new LongAdder();
    final LongAdder expected = new LongAdder();
    final LongAdder delivered = new LongAdder();
    final LongAdder duplicates = new LongAdder();
    final LongAdder churnCycles = new LongAdder();
    final LongAdder roomSwitches = new LongAdder();
    final LongAdder slowClients = new LongAdder();
    final LongAdder recoveries = new LongAdder();
    final LongAdder recoveriesFailed = new LongAdder();
    final LongAdder recoveryGaps = new LongAdder();
    final LongAdder replayed = new LongAdder();
    final LongAdder notificationsPosted = new LongAdder();
    final LongAdder acked = new LongAdder();
    private final java.util.Set<Long> notificationsSeen = ConcurrentHashMap.newKeySet();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();

    private final Map<String, LongAdder> expectedByKind = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> deliveredByKind = new ConcurrentHashMap<>();

    void expectedIn(String kind, long n) {
        expectedByKind.computeIfAbsent(kind, k -> new LongAdder()).add(n);
    }

    void deliveredIn(String kind) {
        deliveredByKind.computeIfAbsent(kind, k -> new LongAdder()).increment();
    }

    /** Deliveries to stable users missing per kind of room (big, small, firehose). */
    Map<String, Long> lostByKind() {
        Map<String, Long> out = new TreeMap<>();
        expectedByKind.forEach((k, v) -> {
            LongAdder got = deliveredByKind.get(k);
            out.put(k, Math.max(0, v.sum() - (got == null ? 0 : got.sum())));
        });
        return out;
    }

    void error(String reason) {
        errors.computeIfAbsent(reason, k -> new LongAdder()).increment();
    }

    /** A notification the harness posted (its {@code soak} number) reached one of its user's connections. */
    void notificationReceived(long n) {
        if (n >= 0) {
            notificationsSeen.add(n);
        }
    }

    long notificationsReceived() {
        return notificationsSeen.size();
    }

    Map<String, Long> errors() {
        Map<String, Long> out = new TreeMap<>();
        errors.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
