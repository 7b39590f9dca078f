package dev.realtime.cluster;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * The messages Redis acknowledged in the last {@code windowNanos} (at most {@code budget} bytes), so
 * that when a node turns out to have failed or been demoted they can be sent again: a dying primary
 * may acknowledge a message it never delivered, and a demoted one accepts {@code SPUBLISH} and
 * delivers it to nobody.
 *
 * <p>Threading: the publisher thread only.
 */
final class RecentlyAcked {
    private final ArrayDeque<BusPublisher.Msg> acked = new ArrayDeque<>();
    private final long budget;
    private final long windowNanos;
    private long bytes;

    RecentlyAcked(long budget, long windowNanos) {
        this.budget = budget;
        this.windowNanos = windowNanos;
    }

    void add(BusPublisher.Msg m, long now) {
        m.ackedAt = now;
        acked.addLast(m);
        bytes += m.size;
        trim(now);
    }

    void trim(long now) {
        while (!acked.isEmpty() && (bytes > budget || now - acked.peekFirst().ackedAt > windowNanos)) {
            bytes -= acked.pollFirst().size;
        }
    }

    /** Removes and returns, per channel in acknowledgement order, those whose slot {@code slots} accepts. */
    Map<String, List<BusPublisher.Msg>> take(IntPredicate slots, long now) {
        trim(now);
        Map<String, List<BusPublisher.Msg>> out = new LinkedHashMap<>();
        for (Iterator<BusPublisher.Msg> it = acked.iterator(); it.hasNext(); ) {
            BusPublisher.Msg m = it.next();
            if (slots.test(m.slot)) {
                it.remove();
                bytes -= m.size;
                out.computeIfAbsent(m.channel, k -> new ArrayList<>()).add(m);
            }
        }
        return out;
    }
}
