package dev.realtime.loadtest;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;

/**
 * The quiz matchmaking storm: N players (connection i on node {@code i % nodes}, so most pairs span
 * two nodes when there are several) all queue for {@code 1v1_rapid_quiz} at once, play whole matches
 * (see {@link QuizPlayer}) and queue again, for {@code --duration} seconds; then they finish the
 * matches they are in. Reports matches completed per second, the latency of {@code match:found}
 * after the second player's join, and of the {@code match:stateUpdate} that shows an answer after it
 * was sent. The server needs a rate limit above what fast players send (e.g.
 * {@code RATE_LIMIT_MAX_MESSAGES=100000}) unless {@code --think-ms} slows them down.
 */
final class QuizScenario {
    private QuizScenario() {
    }

    /** Shared by the players of one run; thread-safe. */
    static final class Run {
        final AtomicLongArray joinSentAt;
        final Recorder found = new Recorder(3_600_000_000L, 3);
        final LongAdder completions = new LongAdder();
        final LongAdder allCompletions = new LongAdder();
        final LongAdder answers = new LongAdder();
        final AtomicInteger playing = new AtomicInteger();
        final int thinkMillis;
        volatile long measureFrom = Long.MAX_VALUE;
        volatile long end = Long.MAX_VALUE;
        volatile boolean stopping;

        Run(int players, int thinkMillis) {
            this.joinSentAt = new AtomicLongArray(players);
            this.thinkMillis = thinkMillis;
        }
    }

    static Report run(Options o, ProtocolAdapter adapter, Stats stats, ServerProbe server) throws InterruptedException {
        int players = o.connections() - o.connections() % 2;
        int nodes = o.urls().size();
        Run run = new Run(players, o.thinkMillis());
        Report report = new Report().put("scenario", "quiz").put("protocol", adapter.name()).put("players", players)
                .put("thinkMillis", o.thinkMillis()).put("durationSeconds", o.durationSeconds())
                .put("warmupSeconds", o.warmupSeconds());
        if (nodes > 1) {
            report.put("nodes", o.urls().stream().map(Object::toString).toList());
        }
        try (Fleet fleet = new Fleet(o, adapter, stats); Progress progress = new Progress(stats, players)) {
            fleet.open(players, i -> new QuizPlayer(i, i % nodes, adapter, stats, run), Math.max(60, players / 200));
            int ready = fleet.ready().size();
            if (ready < players) {
                return report.put("aborted", "only " + ready + " of " + players + " players became ready")
                        .put("errors", stats.errors());
            }
            double cpu0 = server.cpuSeconds();
            double[] byNode0 = server.cpuSecondsByNode();
            long start = System.nanoTime();
            run.measureFrom = start + TimeUnit.SECONDS.toNanos(o.warmupSeconds());
            run.end = start + TimeUnit.SECONDS.toNanos(o.durationSeconds());
            for (LoadConnection c : fleet.connections) {
                ((QuizPlayer) c).start();
            }
            TimeUnit.NANOSECONDS.sleep(Math.max(0, run.end - System.nanoTime()));
            run.stopping = true;
            long drainUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (run.playing.get() > 0 && System.nanoTime() < drainUntil) {
                TimeUnit.MILLISECONDS.sleep(50);
            }
            double cpu1 = server.cpuSeconds();
            double[] byNode1 = server.cpuSecondsByNode();
            double measured = (run.end - run.measureFrom) / 1e9;
            long completed = run.completions.sum() / 2; // each match completes for both players
            report.put("matchesCompleted", run.allCompletions.sum() / 2)
                    .put("matchesPerSec", Report.round(completed / measured, 1))
                    .put("answers", run.answers.sum())
                    .put("stillPlayingAtEnd", run.playing.get())
                    .put("matchFoundAfterSecondJoinMs", Report.percentilesMs(run.found.getIntervalHistogram()))
                    .put("stateUpdateAfterSubmitMs", Report.percentilesMs(stats.latencyTotal()));
            if (cpu0 >= 0) {
                report.put("serverCpuSeconds", Report.round(cpu1 - cpu0, 2))
                        .put("serverCpuMillisPerMatch", completed == 0 ? null
                                : Report.round((cpu1 - cpu0) * 1e3 / Math.max(1, run.allCompletions.sum() / 2), 2));
                if (nodes > 1) {
                    double[] d = new double[nodes];
                    for (int n = 0; n < nodes; n++) {
                        d[n] = Report.round(byNode1[n] - byNode0[n], 2);
                    }
                    report.put("serverCpuSecondsByNode", Arrays.stream(d).boxed().toList());
                }
            }
            return report.put("errors", stats.errors());
        }
    }
}
