package dev.realtime.history;

import dev.realtime.metrics.GatewayMetrics;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link AppendBacklog}s of a journal's lanes: one per lane, one byte budget for all of them
 * (gauge {@code realtime_history_backlog_bytes}), and a ticker that every half second asks each lane
 * holding kept appends to write them ({@code replay}, which must run the work on that lane).
 *
 * <p>Threading: {@link #of} hands out a lane's backlog (used on that lane only); the ticker thread
 * only reads sizes and calls {@code replay}.
 */
final class LaneBacklogs {
    private static final Logger log = LoggerFactory.getLogger(LaneBacklogs.class);

    private final AppendBacklog[] backlogs;
    private final ScheduledExecutorService ticker;

    LaneBacklogs(int lanes, long budget, GatewayMetrics metrics, String nodeId, IntConsumer replay) {
        AtomicLong bytes = new AtomicLong();
        backlogs = new AppendBacklog[lanes];
        for (int i = 0; i < lanes; i++) {
            backlogs[i] = new AppendBacklog(bytes, budget, metrics.redis);
        }
        if (lanes == 0) {
            ticker = null;
            return;
        }
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "rt-history-" + nodeId + "-replay");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleWithFixedDelay(() -> {
            for (int i = 0; i < backlogs.length; i++) {
                if (backlogs[i].size() > 0) {
                    replay.accept(i);
                }
            }
        }, 500, 500, TimeUnit.MILLISECONDS);
        try {
            metrics.gauge("realtime_history_backlog_bytes", "Bytes of history appends waiting for the store", bytes::get);
        } catch (IllegalArgumentException alreadyRegistered) {
            // a second journal on the same metrics (tests)
        }
    }

    /** Lane {@code i}'s backlog; null when the journal runs inline (no lanes). */
    AppendBacklog of(int i) {
        return backlogs.length == 0 ? null : backlogs[i];
    }

    /** Stops the ticker (before the lanes close). */
    void stopReplaying() {
        if (ticker != null) {
            ticker.shutdownNow();
        }
    }

    /** After the lanes stopped: what is still kept is lost (counted). */
    void dropAll() {
        int lost = 0;
        for (AppendBacklog b : backlogs) {
            lost += b.isEmpty() ? 0 : b.dropAll();
        }
        if (lost > 0) {
            log.warn("history: {} appends kept for an unreachable store were lost at shutdown", lost);
        }
    }
}
