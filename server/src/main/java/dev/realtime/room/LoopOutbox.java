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

    /**
     * What a slow consumer of one delivery gets, as a {@link Delivery} carries it (one byte): the
     * node's {@code SLOW_CONSUMER_POLICY}, or the room's own ({@code slowConsumer} of its policy;
     * always drop in a volatile room). See {@link #slowCode}.
     */
    public static final byte SLOW_NODE = 0;
    public static final byte SLOW_DROP = 1;
    public static final byte SLOW_DISCONNECT = 2;

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

    /** The delivery code of a room's slow-consumer policy ({@code null}: the node's). */
    public static byte slowCode(SlowConsumerPolicy policy) {
        return policy == null ? SLOW_NODE : policy == SlowConsumerPolicy.DROP ? SLOW_DROP : SLOW_DISCONNECT;
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
        return write(s, frame, SLOW_NODE);
    }

    /** {@link #write(Subscriber, ByteBuf)} under a room's slow-consumer code ({@link #SLOW_NODE} etc.). */
    public boolean write(Subscriber s, ByteBuf frame, byte slowPolicy) {
        DeliverySink sink = s.sink();
        if (!sink.isActive()) {
            metrics.droppedDeliveries.labels("closed").inc();
            return false;
        }
        if (s.held != null) {
            // A replay is draining: deliveries queue behind it (bounded) so the client sees them in order.
            if (!s.holdLive(frame.retainedDuplicate())) {
                slow(s, slowPolicy);
                return false;
            }
            written++;
            return true;
        }
        if (!sink.isWritable()) {
            slow(s, slowPolicy);
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

    private void slow(Subscriber s, byte policy) {
        metrics.droppedDeliveries.labels("slow_consumer").inc();
        boolean disconnect = policy == SLOW_DISCONNECT || policy == SLOW_NODE && slowPolicy == SlowConsumerPolicy.DISCONNECT;
        if (disconnect && !s.slowClosed) {
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
