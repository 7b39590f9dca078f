package dev.realtime.signal;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single daemon thread that owns one feature's state (typing indicators, room counts): every
 * read and write of that state is a task here, timers included, so the state needs no locks. Tasks
 * run in submission order; a task that throws is logged and does not stop later ones (nor a
 * periodic task). After {@link #close()} submissions are dropped.
 *
 * <p>Threading: {@link #execute} and {@link #schedule} are safe from any thread.
 */
public final class OwnerThread implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OwnerThread.class);
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final String name;
    private final ScheduledThreadPoolExecutor executor;
    private volatile Thread thread;

    public OwnerThread(String name) {
        this.name = name;
        this.executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            thread = t;
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    public void execute(Runnable task) {
        try {
            executor.execute(() -> guarded(task));
        } catch (RejectedExecutionException closed) {
            // shutting down: the state goes away with the thread
        }
    }

    /** Runs {@code task} after {@code delayMs}; null when closed. */
    public ScheduledFuture<?> schedule(Runnable task, long delayMs) {
        try {
            return executor.schedule(() -> guarded(task), Math.max(0, delayMs), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            return null;
        }
    }

    /** Runs {@code task} every {@code periodMs}. */
    public void every(long periodMs, Runnable task) {
        try {
            executor.scheduleWithFixedDelay(() -> guarded(task), periodMs, periodMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            // shutting down
        }
    }

    /** Whether the caller runs on this thread. */
    public boolean isCurrent() {
        return Thread.currentThread() == thread;
    }

    /** CPU seconds this thread has used so far (0 before it started or where the JVM cannot tell). */
    public double cpuSeconds() {
        Thread t = thread;
        if (t == null || !THREADS.isThreadCpuTimeSupported()) {
            return 0;
        }
        long nanos = THREADS.getThreadCpuTime(t.getId());
        return nanos < 0 ? 0 : nanos / 1e9;
    }

    private void guarded(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.error("{} task failed", name, e);
        }
    }

    /** Stops after the tasks already queued (timers are dropped); waits up to 5 s. */
    @Override
    public void close() {
        executor.shutdown();
        if (Thread.currentThread() == thread) {
            return;
        }
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
