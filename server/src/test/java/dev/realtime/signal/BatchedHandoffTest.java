package dev.realtime.signal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Order, batching, flush before shutdown, rejection after it, a failing task in a batch. */
class BatchedHandoffTest {
    private final ScheduledThreadPoolExecutor owner = new ScheduledThreadPoolExecutor(1);

    @AfterEach
    void stop() throws InterruptedException {
        owner.shutdownNow();
        owner.awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void tasksFromManyThreadsRunInEachThreadsOrderOnTheOwnerInFewDrains() throws Exception {
        BatchedHandoff handoff = new BatchedHandoff(owner, 20);
        int threads = 4;
        int each = 2_000;
        List<List<Integer>> seen = new ArrayList<>();
        Set<Thread> runners = ConcurrentHashMap.newKeySet();
        for (int t = 0; t < threads; t++) {
            seen.add(new ArrayList<>());
        }
        CountDownLatch done = new CountDownLatch(threads * each);
        List<Thread> producers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread p = new Thread(() -> {
                for (int i = 0; i < each; i++) {
                    int n = i;
                    handoff.execute(() -> {
                        runners.add(Thread.currentThread());
                        seen.get(id).add(n); // owner thread only: no lock needed
                        done.countDown();
                    });
                }
            });
            producers.add(p);
            p.start();
        }
        for (Thread p : producers) {
            p.join();
        }
        assertTrue(done.await(10, TimeUnit.SECONDS));
        assertEquals(1, runners.size(), "all on the one owner thread");
        for (List<Integer> s : seen) {
            for (int i = 0; i < each; i++) {
                assertEquals(i, s.get(i), "each producer's order is kept");
            }
        }
        // 8,000 tasks handed over in a few bursts: far fewer drains (owner tasks) than tasks.
        assertTrue(owner.getCompletedTaskCount() < 100, "drains: " + owner.getCompletedTaskCount());
    }

    @Test
    void aLoneTaskRunsAtOnceAndOneRightAfterItWaitsForTheWindowOrAFlush() throws Exception {
        BatchedHandoff handoff = new BatchedHandoff(owner, 60_000);
        CountDownLatch first = new CountDownLatch(1);
        handoff.execute(first::countDown);
        assertTrue(first.await(5, TimeUnit.SECONDS), "quiet before: no added latency");
        // Let that drain finish: a task queued while it still runs joins it (by design), not the next one.
        // The owner is one thread: a task behind the drain runs once the drain is over.
        assertEquals(null, owner.submit(() -> { }).get(5, TimeUnit.SECONDS));
        assertEquals(0, handoff.queued());
        CountDownLatch second = new CountDownLatch(1);
        handoff.execute(second::countDown);
        assertEquals(false, second.await(200, TimeUnit.MILLISECONDS), "a drain ran just now: this one waits a minute");
        assertEquals(1, handoff.queued());
        handoff.flush();
        assertTrue(second.await(5, TimeUnit.SECONDS));
        assertEquals(0, handoff.queued());
    }

    @Test
    void drainsAreAtMostOnePerWindowUnderLoad() throws Exception {
        BatchedHandoff handoff = new BatchedHandoff(owner, 50);
        CountDownLatch all = new CountDownLatch(200);
        CountDownLatch produced = new CountDownLatch(200);
        ScheduledThreadPoolExecutor producer = new ScheduledThreadPoolExecutor(1);
        long start = System.nanoTime();
        try {
            // ~200 ms of tasks a millisecond apart
            producer.scheduleAtFixedRate(() -> {
                if (produced.getCount() > 0) {
                    handoff.execute(all::countDown);
                    produced.countDown();
                }
            }, 0, 1, TimeUnit.MILLISECONDS);
            assertTrue(produced.await(5, TimeUnit.SECONDS));
        } finally {
            producer.shutdownNow();
        }
        assertTrue(all.await(5, TimeUnit.SECONDS));
        long windows = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) / 50 + 2;
        assertTrue(owner.getCompletedTaskCount() <= windows,
                "drains " + owner.getCompletedTaskCount() + " for " + windows + " windows of 50 ms");
    }

    @Test
    void flushBeforeShutdownRunsWhatIsQueuedAndLaterTasksAreRefused() throws Exception {
        owner.setExecuteExistingDelayedTasksAfterShutdownPolicy(false); // the armed drain dies with shutdown
        BatchedHandoff handoff = new BatchedHandoff(owner, 60_000);
        List<Integer> ran = new ArrayList<>();
        handoff.execute(() -> ran.add(1));
        handoff.execute(() -> ran.add(2));
        handoff.flush();
        owner.shutdown();
        assertTrue(owner.awaitTermination(5, TimeUnit.SECONDS));
        assertEquals(List.of(1, 2), ran);
        assertThrows(RejectedExecutionException.class, () -> handoff.execute(() -> ran.add(3)));
    }

    @Test
    void aFailingTaskDoesNotStopTheRestOfItsBatch() throws Exception {
        BatchedHandoff handoff = new BatchedHandoff(owner, 10);
        CountDownLatch after = new CountDownLatch(1);
        handoff.execute(() -> {
            throw new IllegalStateException("boom (expected by the test)");
        });
        handoff.execute(after::countDown);
        assertTrue(after.await(5, TimeUnit.SECONDS));
    }

    @Test
    void aNegativeDelayIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new BatchedHandoff(owner, -1));
    }
}
