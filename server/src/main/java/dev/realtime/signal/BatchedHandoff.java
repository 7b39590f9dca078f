package dev.realtime.signal;

import io.netty.util.internal.PlatformDependent;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Hands tasks to a feature's single owner thread in batches once they come fast: the owner drains
 * at most once per {@code delayMs}. A task arriving when the last drain is older than that is handed
 * over at once (no added latency for the odd task); one arriving sooner joins a drain armed for the
 * end of the window, with everything else that arrives meanwhile. Handing each task over on its own
 * wakes the owner once per task (a futex wake on the caller, a wait and a context switch on the
 * owner): in a connect storm the quiz matchmaker's thread was woken once per handshake (~9 µs of
 * the ~130 µs a handshake cost, issue 12, W3); batched, at most {@code 1000 / delayMs} times a second.
 *
 * <p>Order: tasks run in submission order, all on the owner thread (one FIFO queue, drained only
 * there). Tasks given to the owner executor directly do not keep an order with these.
 *
 * <p>Shutdown: call {@link #flush()} before shutting the owner down so queued tasks still run
 * (a drain armed for later is a delayed task, which {@code shutdownNow} or a policy may drop).
 *
 * <p>Threading: {@link #execute} and {@link #flush} from any thread; drains run on the owner's
 * thread (which must be a single thread).
 */
public final class BatchedHandoff implements Executor {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(BatchedHandoff.class);
    /** The window the gateway's features use: below what a person notices, above a storm's gaps. */
    public static final long DEFAULT_DELAY_MS = 5;

    private final ScheduledExecutorService owner;
    private final long delayNanos;
    /** When the last drain started ({@link System#nanoTime}); long ago at first. */
    private volatile long lastDrainNanos;
    private final Queue<Runnable> queue = PlatformDependent.newMpscQueue();
    private final AtomicBoolean armed = new AtomicBoolean();

    /** @param owner a single-threaded executor; {@code delayMs} 0 hands every task over at once */
    public BatchedHandoff(ScheduledExecutorService owner, long delayMs) {
        if (delayMs < 0) {
            throw new IllegalArgumentException("delayMs must be >= 0: " + delayMs);
        }
        this.owner = owner;
        this.delayNanos = TimeUnit.MILLISECONDS.toNanos(delayMs);
        this.lastDrainNanos = System.nanoTime() - delayNanos;
    }

    /**
     * Queues {@code task} for the next drain (arming one if none is).
     *
     * @throws RejectedExecutionException when the owner is shut down (the task is not queued)
     */
    @Override
    public void execute(Runnable task) {
        if (owner.isShutdown()) {
            throw new RejectedExecutionException("owner thread is shut down");
        }
        queue.offer(task);
        if (!armed.get() && armed.compareAndSet(false, true)) {
            try {
                long wait = lastDrainNanos + delayNanos - System.nanoTime();
                if (wait <= 0) {
                    owner.execute(this::drain); // quiet until now: no added latency
                } else {
                    owner.schedule(this::drain, wait, TimeUnit.NANOSECONDS);
                }
            } catch (RejectedExecutionException closed) {
                armed.set(false);
                throw closed;
            }
        }
    }

    /** Drains now instead of at the armed time (a no-op task when nothing is queued); before shutdown. */
    public void flush() {
        try {
            owner.execute(this::drain);
        } catch (RejectedExecutionException closed) {
            // already shut down: what is queued is dropped with the thread
        }
    }

    /** Tasks waiting for a drain (tests, gauges). */
    public int queued() {
        return queue.size();
    }

    private void drain() {
        lastDrainNanos = System.nanoTime();
        // Disarm first: a task queued after this line arms a new drain, so none is left behind.
        armed.set(false);
        Runnable task;
        while ((task = queue.poll()) != null) {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.error("task failed on {}", Thread.currentThread().getName(), e); // the rest still run
            }
        }
    }
}
