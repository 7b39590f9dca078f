package dev.realtime.room;

import dev.realtime.config.GatewayConfig.SlowConsumerPolicy;
import dev.realtime.metrics.GatewayMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.util.internal.PlatformDependent;
import java.util.ArrayList;
import java.util.Queue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One per event loop: the single door through which shards hand deliveries and callbacks to the
 * connections of that loop. Many tasks submitted while the loop is busy run in one loop task; all
 * their writes go out with one {@code flush()} per touched channel at the end, so one writev carries
 * every frame queued for a connection in that tick. Tasks from one producer run in submission order.
 *
 * <p>Threading: {@link #submit} is thread-safe (MPSC queue); everything else runs on {@link #loop()}.
 */
public final class LoopOutbox implements Runnable {
    private static final int MAX_TASKS_PER_RUN = 4096;

    private final EventLoop loop;
    private final GatewayMetrics metrics;
    private final SlowConsumerPolicy slowPolicy;
    private final Queue<OutboxTask> queue = PlatformDependent.newMpscQueue();
    /** Bytes of deliveries waiting ({@code OUTBOX_MAX_BYTES}); callbacks are not counted. */
    private final dev.realtime.budget.ByteBudget budget;
    private final AtomicBoolean scheduled = new AtomicBoolean();
    // owned by loop
    private final ArrayList<Subscriber> touched = new ArrayList<>();
    private long written;

    public LoopOutbox(EventLoop loop, GatewayMetrics metrics, SlowConsumerPolicy slowPolicy) {
        this(loop, metrics, slowPolicy, Long.MAX_VALUE);
    }

    /**
     * @param maxBytes most bytes of deliveries waiting for this loop ({@code OUTBOX_MAX_BYTES}); a
     *                 delivery beyond it is dropped and counted
     */
    public LoopOutbox(EventLoop loop, GatewayMetrics metrics, SlowConsumerPolicy slowPolicy, long maxBytes) {
        this.loop = loop;
        this.metrics = metrics;
        this.slowPolicy = slowPolicy;
        this.budget = new dev.realtime.budget.ByteBudget("outbox", maxBytes, metrics);
    }

    /** This outbox's byte budget (what waits now, for the node's gauge). */
    public dev.realtime.budget.ByteBudget budget() {
        return budget;
    }

    public EventLoop loop() {
        return loop;
    }

    /**
     * Queues {@code task} to run on this loop. Safe from any thread. A task with {@link
     * OutboxTask#bytes()} (a delivery) that would take the queue past its byte budget is discarded
     * instead: counted in {@code realtime_queue_overflow_total{queue="outbox"}} and, per connection
     * it was for, {@code realtime_dropped_deliveries_total{reason="outbox_full"}}. Returns whether
     * it was queued.
     */
    public boolean submit(OutboxTask task) {
        if (!budget.tryTake(task.bytes())) {
            if (task instanceof Delivery d) {
                metrics.droppedDeliveries.labels("outbox_full").inc(d.targets());
            }
            task.discard();
            return false;
        }
        queue.offer(task);
        if (!scheduled.get() && scheduled.compareAndSet(false, true)) {
            try {
                loop.execute(this);
            } catch (RejectedExecutionException e) {
                discardAll();
            }
        }
        return true;
    }

    @Override
    public void run() {
        scheduled.set(false);
        int n = 0;
        OutboxTask task;
        while (n++ < MAX_TASKS_PER_RUN && (task = queue.poll()) != null) {
            budget.give(task.bytes());
            try {
                task.run(this);
            } catch (RuntimeException e) {
                // keep going: one bad task must not starve the rest
                org.slf4j.LoggerFactory.getLogger(LoopOutbox.class).warn("outbox task failed", e);
            }
        }
        flushTouched();
        if (!queue.isEmpty() && scheduled.compareAndSet(false, true)) {
            loop.execute(this);
        }
    }

    /**
     * Writes one shared frame to {@code s} without flushing; the frame is retained for the write.
     * Applies the slow-consumer policy when the channel is above its high-water mark.
     * Returns whether the frame was written. Must run on this loop.
     */
    public boolean write(Subscriber s, ByteBuf frame) {
        DeliverySink sink = s.sink();
        if (!sink.isActive()) {
            metrics.droppedDeliveries.labels("closed").inc();
            return false;
        }
        if (s.held != null) {
            // A replay is draining: deliveries queue behind it (bounded) so the client sees them in order.
            if (!s.holdLive(frame.retainedDuplicate())) {
                slow(s);
                return false;
            }
            written++;
            return true;
        }
        if (!sink.isWritable()) {
            slow(s);
            return false;
        }
        sink.write(frame.retainedDuplicate());
        written++;
        if (!s.flushPending) {
            s.flushPending = true;
            touched.add(s);
        }
        return true;
    }

    private void slow(Subscriber s) {
        metrics.droppedDeliveries.labels("slow_consumer").inc();
        if (slowPolicy == SlowConsumerPolicy.DISCONNECT && !s.slowClosed) {
            s.slowClosed = true;
            metrics.slowConsumerDisconnects.inc();
            s.sink().abort();
        }
    }

    private void flushTouched() {
        for (int i = 0, n = touched.size(); i < n; i++) {
            Subscriber s = touched.get(i);
            s.flushPending = false;
            s.sink().flush();
        }
        touched.clear();
        if (written > 0) {
            metrics.deliveries.inc(written);
            written = 0;
        }
    }

    private void discardAll() {
        OutboxTask task;
        while ((task = queue.poll()) != null) {
            budget.give(task.bytes());
            task.discard();
        }
        scheduled.set(false);
    }
}
