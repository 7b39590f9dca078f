package dev.realtime.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** {@link RejoinPacer} on a fake clock: burst, pace, back-off on {@code rate_limited}, stop. */
class RejoinPacerTest {
    private long now;
    private final PriorityQueue<long[]> due = new PriorityQueue<>((a, b) -> Long.compare(a[0], b[0]));
    private final List<Runnable> tasks = new ArrayList<>();
    private final List<Integer> sent = new ArrayList<>();

    private RejoinPacer<Integer> pacer(int rooms, double rate) {
        return new RejoinPacer<>(IntStream.range(0, rooms).boxed().toList(), rate, sent::add,
                (task, ms) -> {
                    tasks.add(task);
                    due.add(new long[] {now + TimeUnit.MILLISECONDS.toNanos(ms), tasks.size() - 1});
                }, () -> now);
    }

    /** Runs the scheduled tasks due until {@code untilNanos}, moving the clock to each. */
    private void runUntil(long untilNanos) {
        while (!due.isEmpty() && due.peek()[0] <= untilNanos) {
            long[] next = due.poll();
            now = next[0];
            tasks.get((int) next[1]).run();
        }
        now = untilNanos;
    }

    @Test
    void aBurstThenTheRate() {
        RejoinPacer<Integer> p = pacer(200, 50);
        p.pump();
        assertEquals(50, sent.size(), "a first burst of one second's worth");
        runUntil(TimeUnit.MILLISECONDS.toNanos(1000));
        assertTrue(sent.size() >= 99 && sent.size() <= 101, "then 50 a second: " + sent.size());
        runUntil(TimeUnit.SECONDS.toNanos(10));
        assertEquals(IntStream.range(0, 200).boxed().toList(), sent, "all of them, in order");
    }

    @Test
    void rateLimitedRoomsGoFirstAfterThePauseAndThePaceDrops() {
        RejoinPacer<Integer> p = pacer(60, 50);
        p.pump();
        for (int i = 0; i < 20; i++) {
            p.accepted();
        }
        now = TimeUnit.MILLISECONDS.toNanos(5);
        p.rateLimited(20, 995); // a server taking 20 a second refused the 21st...
        p.rateLimited(21, 995); // ...and the others already sent
        assertTrue(p.rate() <= 20 * 0.8 + 1e-9, "below what the server took: " + p.rate());
        int before = sent.size();
        runUntil(TimeUnit.MILLISECONDS.toNanos(900));
        assertEquals(before, sent.size(), "nothing while paused");
        runUntil(TimeUnit.MILLISECONDS.toNanos(1011));
        assertTrue(sent.size() - before >= 1, "sending again after the pause");
        runUntil(TimeUnit.MILLISECONDS.toNanos(1200));
        assertEquals(List.of(20, 21), sent.subList(before, before + 2), "the refused ones first, in order");
        runUntil(TimeUnit.MILLISECONDS.toNanos(2011));
        assertTrue(sent.size() - before <= p.rate() + 2, "at the lower pace: " + (sent.size() - before));
    }

    @Test
    void stopSendsNothingMore() {
        RejoinPacer<Integer> p = pacer(100, 10);
        p.pump();
        assertEquals(10, sent.size());
        p.stop();
        runUntil(TimeUnit.SECONDS.toNanos(60));
        assertEquals(10, sent.size());
    }
}
