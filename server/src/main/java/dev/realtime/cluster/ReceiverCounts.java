package dev.realtime.cluster;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * How many subscribers each channel had when things were fine, so a replay after a failure can wait
 * until they are all back. A lower count replaces the number only once it lasted
 * {@link #LOWER_AFTER_NANOS} (a node really left the room): the drop a failing or demoted primary
 * shows never lowers it. At most {@link #KEPT} channels, the least recently published forgotten.
 *
 * <p>Threading: the publisher thread only.
 */
final class ReceiverCounts {
    static final int KEPT = 65_536;
    static final long LOWER_AFTER_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** Channel -> {receivers, when that many were last seen}. */
    private final LinkedHashMap<String, long[]> counts = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
            return size() > KEPT;
        }
    };

    /** The receivers {@code channel} should have, or -1 when unknown. */
    long expected(String channel) {
        long[] c = counts.get(channel);
        return c == null ? -1 : c[0];
    }

    /** Redis delivered a message of {@code channel} to {@code receivers} subscribers. */
    void seen(String channel, long receivers, long now) {
        long[] c = counts.get(channel);
        if (c == null) {
            counts.put(channel, new long[] {receivers, now});
        } else if (receivers >= c[0] || now - c[1] > LOWER_AFTER_NANOS) {
            c[0] = receivers;
            c[1] = now;
        }
    }

    /** {@code channel} has {@code receivers} now, for certain (waited, or the node vouched for it). */
    void settle(String channel, long receivers, long now) {
        counts.put(channel, new long[] {receivers, now});
    }
}
