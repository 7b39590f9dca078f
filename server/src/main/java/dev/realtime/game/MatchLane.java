package dev.realtime.game;

import dev.realtime.store.StoreUnavailableException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One lane of {@link MatchLanes}: a single thread that owns the running matches hashed to it on this
 * node (their last known state and version, and a timer at their next due moment) and applies their
 * transitions through the {@link MatchStore}: read, apply, compare-and-set, and on a lost write re-read
 * and re-apply. Because the lane is the only thread touching these matches here, none of it locks.
 *
 * <p>Threading: {@link #execute} and {@link #close} from any thread; everything else on the lane's
 * thread only.
 */
final class MatchLane {
    private static final Logger log = LoggerFactory.getLogger(MatchLane.class);
    private static final int MAX_ATTEMPTS = 16;

    /** A transition's outcome: the state after it, what it said, and whether this node wrote it. */
    record Applied(Match match, Match.Step step, boolean written) {
    }

    /** A match this node follows. */
    private static final class Local {
        Match match;
        long version;
        ScheduledFuture<?> timer;
        long timerAt = Long.MAX_VALUE;
    }

    private final ScheduledThreadPoolExecutor thread;
    private final Map<String, Local> followed = new HashMap<>();
    private final MatchStore store;
    private final GameMetrics metrics;
    private final long graceMs;
    private final Function<Match, Duration> ttl;
    private final LongSupplier clock;
    private final Consumer<String> onDue;

    /**
     * @param ttl   how long a state written now is kept
     * @param onDue runs on the lane when a followed match reaches its next due moment
     */
    MatchLane(String name, MatchStore store, GameMetrics metrics, long graceMs, Function<Match, Duration> ttl,
              LongSupplier clock, Consumer<String> onDue) {
        this.store = store;
        this.metrics = metrics;
        this.graceMs = graceMs;
        this.ttl = ttl;
        this.clock = clock;
        this.onDue = onDue;
        this.thread = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        thread.setRemoveOnCancelPolicy(true);
    }

    /** Runs {@code task} on the lane; a store outage or a bug is logged, never kills the lane. */
    void execute(Runnable task) {
        try {
            thread.execute(() -> guarded(task));
        } catch (RejectedExecutionException closed) {
            // shutting down
        }
    }

    private void guarded(Runnable task) {
        try {
            task.run();
        } catch (StoreUnavailableException e) {
            metrics.matchStoreErrors.inc();
            log.debug("match store unavailable: {}", e.getMessage());
        } catch (RuntimeException e) {
            log.warn("match task failed", e);
        }
    }

    /**
     * Applies {@code transition} to the latest state until its write sticks (or nothing changes).
     * Null when the match is gone.
     */
    Applied apply(String matchId, Function<Match, Match.Step> transition) {
        Local l = followed.get(matchId);
        Match cur;
        long version;
        boolean fresh = l == null;
        if (l != null) {
            cur = l.match;
            version = l.version;
        } else {
            MatchStore.Versioned v = store.read(matchId);
            if (v == null) {
                return null;
            }
            cur = MatchCodec.decode(v.state());
            version = v.version();
        }
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Match.Step step = transition.apply(cur);
            MatchStore.Versioned v;
            if (!step.changed(cur)) {
                if (fresh) {
                    return new Applied(cur, step, false);
                }
                // A refusal or a no-op from the cache: another node may have moved the match on (and,
                // say, completed it), so the answer must come from the stored state.
                v = store.read(matchId);
            } else {
                MatchStore.Replaced r = store.replace(matchId, version, MatchCodec.encode(step.next()),
                        ttl.apply(step.next()));
                if (r.written()) {
                    cache(step.next(), version + 1);
                    return new Applied(step.next(), step, true);
                }
                metrics.conflicts.inc();
                v = r.current(); // what the other node wrote, read in the same round trip
            }
            if (v == null) {
                drop(matchId);
                return null;
            }
            fresh = true;
            cur = MatchCodec.decode(v.state());
            version = v.version();
            cache(cur, version);
        }
        throw new IllegalStateException("match " + matchId + " changed " + MAX_ATTEMPTS + " times during one write");
    }

    /** Follows {@code m} unless a newer version is already known. */
    void follow(Match m, long version) {
        Local l = followed.get(m.matchId());
        if (l == null || l.version < version) {
            cache(m, version);
        }
    }

    /** Remembers {@code m} at {@code version} and times its next due moment; a completed match is dropped. */
    void cache(Match m, long version) {
        if (m.complete()) {
            drop(m.matchId());
            return;
        }
        Local l = followed.get(m.matchId());
        if (l == null) {
            l = new Local();
            followed.put(m.matchId(), l);
            metrics.watched.incrementAndGet();
        } else if (l.version > version) {
            return;
        }
        l.match = m;
        l.version = version;
        long due = m.nextDueAt(graceMs);
        if (due != l.timerAt) {
            if (l.timer != null) {
                l.timer.cancel(false);
            }
            l.timerAt = due;
            String id = m.matchId();
            l.timer = thread.schedule(() -> guarded(() -> onDue.accept(id)),
                    Math.max(0, due - clock.getAsLong()), TimeUnit.MILLISECONDS);
        }
    }

    void drop(String matchId) {
        Local l = followed.remove(matchId);
        if (l != null) {
            metrics.watched.decrementAndGet();
            if (l.timer != null) {
                l.timer.cancel(false);
            }
        }
    }

    /** The matches this lane follows, as last known. */
    List<Match> followedMatches() {
        return followed.values().stream().map(l -> l.match).toList();
    }

    void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
