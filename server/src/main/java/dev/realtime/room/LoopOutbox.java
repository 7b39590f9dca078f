package dev.realtime.room;

import dev.realtime.config.GatewayConfig.SlowConsumerPolicy;
import dev.realtime.metrics.GatewayMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.util.internal.PlatformDependent;
import java.util.ArrayList;
import java.util.Queue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One per event loop: the single door through which rooms hand deliveries and callbacks to the
 * connections of that loop. Many tasks submitted while the loop is busy run in one loop task; all
 * their writes go out with one {@code flush()} per touched channel at the end, so one writev carries
 * every frame queued for a connection in that tick. Tasks from one producer run in submission order.
 *
 * <p>A room that lives on this same loop does not queue: it calls {@link #deliverNow} (no task, no
 * hand-off) and the touched connections are flushed by one task at the end of the loop's current
 * tick, after every inbound message the tick read, so a busy loop still writes once per
 * connection per tick.
 *
 * <p>Write delay: a room whose policy sets {@code writeDelayMs} leaves its deliveries unflushed
 * for up to that long. Per delay value there is one open <em>round</em>: the first delayed write
 * opens it (due now + delay), every connection written meanwhile joins it, and when it is due each
 * member is flushed once: all it got in the window leaves in one write. A connection that is flushed
 * earlier anyway (an undelayed delivery, a reply) leaves the round with it.
 *
 * <p>Threading: {@link #submit} is thread-safe (MPSC queue); everything else runs on {@link #loop()}.
 */
public final class LoopOutbox implements Runnable {
    private static final int MAX_TASKS_PER_RUN = 4096;
    /** Longest write delay a room may have ({@code writeDelayMs} of the room policies). */
    public static final int MAX_WRITE_DELAY_MS = 50;

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
    private boolean flushScheduled;
    private final Runnable flushTask = () -> {
        flushScheduled = false;
        flushTouched();
    };
    /** Open write-delay rounds by delay in milliseconds; created on first use. */
    private final Round[] rounds = new Round[MAX_WRITE_DELAY_MS + 1];

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
     * Runs {@code task} at once when called on this loop, else {@link #submit}s it. For what a room
     * sends one connection besides its events (a join's reply and replay, a leave's answer): a room
     * on this same loop writes its events to the connection at once ({@link #deliverNow}), so an
     * answer queued here instead would fall behind events the room wrote after it, e.g. live
     * events overtaking a recovering join's replay. Safe from any thread.
     */
    public void runOrSubmit(OutboxTask task) {
        if (loop.inEventLoop()) {
            task.run(this);
        } else {
            submit(task);
        }
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
     * Writes one shared frame to {@code s} without flushing; the frame is not retained (the sink
     * copies it or takes its own reference). Applies the slow-consumer policy when the channel is
     * above its high-water mark. Returns whether the frame was written. Must run on this loop.
     */
    public boolean write(Subscriber s, ByteBuf frame) {
        return write(s, frame, SLOW_NODE);
    }

    /** {@link #write(Subscriber, ByteBuf)} under a room's slow-consumer code ({@link #SLOW_NODE} etc.). */
    public boolean write(Subscriber s, ByteBuf frame, byte slowPolicy) {
        return write(s, frame, 0, 0, slowPolicy);
    }

    /**
     * {@link #write(Subscriber, ByteBuf, byte)} with a write delay: flushed at the end of this tick
     * when {@code delayMs} is 0, else in that delay's round ({@code now} is {@code System.nanoTime()}).
     */
    boolean write(Subscriber s, ByteBuf frame, int delayMs, long now, byte slowPolicy) {
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
        sink.writeShared(frame);
        written++;
        if (delayMs <= 0) {
            touch(s);
        } else if (!s.flushPending) {
            delay(s, delayMs, now);
        }
        return true;
    }

    /**
     * Writes one event to {@code targets} now, from a room on this same loop (no task): each gets
     * the frame of its encoding; the touched connections are flushed at the end of the tick (or in
     * the room's write-delay round). A slow consumer gets the room's {@code slowPolicy}, as on the
     * queued path ({@link Delivery}). Must run on this loop; the frames stay the caller's.
     */
    public void deliverNow(Subscriber[] targets, ByteBuf[] frames, long acceptedNanos, int delayMs, byte slowPolicy) {
        writeAll(targets, frames, acceptedNanos, delayMs, slowPolicy);
        if (!touched.isEmpty() && !flushScheduled) {
            flushScheduled = true;
            loop.execute(flushTask); // on this loop: queued behind the tick's other work, no wakeup
        }
    }

    /** {@link #deliverNow(Subscriber[], ByteBuf[], long, int, byte)} for a room's only member. */
    public void deliverNow(Subscriber target, ByteBuf[] frames, long acceptedNanos, int delayMs, byte slowPolicy) {
        write(target, frames[target.encoding()], delayMs, delayMs > 0 ? System.nanoTime() : 0, slowPolicy);
        metrics.fanoutLatency.observe((System.nanoTime() - acceptedNanos) / 1e9);
        if (!touched.isEmpty() && !flushScheduled) {
            flushScheduled = true;
            loop.execute(flushTask);
        }
    }

    /** Writes one event to each target, unflushed; records the fan-out latency. Loop only. */
    void writeAll(Subscriber[] targets, ByteBuf[] frames, long acceptedNanos, int delayMs, byte slowPolicy) {
        long now = delayMs > 0 ? System.nanoTime() : 0;
        for (Subscriber s : targets) {
            write(s, frames[s.encoding()], delayMs, now, slowPolicy);
        }
        metrics.fanoutLatency.observe((System.nanoTime() - acceptedNanos) / 1e9);
    }

    private void touch(Subscriber s) {
        s.flushDueNanos = 0; // this tick's flush covers any delayed round it is in
        if (!s.flushPending) {
            s.flushPending = true;
            touched.add(s);
        }
    }

    /** Puts {@code s} in the round of {@code delayMs}, unless one it is in already flushes it sooner. */
    private void delay(Subscriber s, int delayMs, long now) {
        Round r = rounds[Math.min(delayMs, MAX_WRITE_DELAY_MS)];
        if (r == null) {
            r = new Round();
            rounds[Math.min(delayMs, MAX_WRITE_DELAY_MS)] = r;
        }
        if (r.due == 0) {
            r.due = now + TimeUnit.MILLISECONDS.toNanos(delayMs);
            Round round = r;
            loop.schedule(() -> flushRound(round), delayMs, TimeUnit.MILLISECONDS);
        }
        if (s.flushDueNanos != 0 && s.flushDueNanos - r.due <= 0) {
            return; // already in a round that is due no later
        }
        s.flushDueNanos = r.due;
        r.members.add(s);
    }

    /** A write-delay round is due: flush each member still waiting for it. */
    private void flushRound(Round r) {
        long due = r.due;
        r.due = 0;
        ArrayList<Subscriber> members = r.members;
        for (int i = 0, n = members.size(); i < n; i++) {
            Subscriber s = members.get(i);
            if (s.flushDueNanos == due) {
                s.flushDueNanos = 0;
                s.sink().flush();
            }
        }
        members.clear();
        countWritten();
    }

    /** The connections of one write delay waiting for the same flush. Loop-owned. */
    private static final class Round {
        final ArrayList<Subscriber> members = new ArrayList<>();
        /** When it is due; 0 when no round is open. */
        long due;
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
        countWritten();
    }

    private void countWritten() {
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
