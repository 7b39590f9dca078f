package dev.realtime.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.realtime.config.GatewayConfig.SlowConsumerPolicy;
import dev.realtime.metrics.GatewayMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

/** The per-loop outbox on EmbeddedChannels: shared buffers, one flush per channel, slow-consumer policy. */
class LoopOutboxTest {
    private final GatewayMetrics metrics = new GatewayMetrics();

    private static Subscriber subscriber(EmbeddedChannel ch, LoopOutbox outbox) {
        return new Subscriber("s", "u", ch, false, outbox);
    }

    @Test
    void deliveryWritesTheSharedFrameToEveryMemberAndReleasesIt() {
        EmbeddedChannel a = new EmbeddedChannel();
        EmbeddedChannel b = new EmbeddedChannel();
        // Two channels, one outbox (as on one event loop): both get the bytes.
        LoopOutbox outbox = new LoopOutbox(a.eventLoop(), metrics, SlowConsumerPolicy.DROP);
        ByteBuf frame = Unpooled.directBuffer().writeBytes(new byte[] {(byte) 0x81, 1, 'x'});
        Subscriber[] targets = {subscriber(a, outbox), subscriber(b, outbox)};
        outbox.submit(new Delivery(frame.retain(), null, targets, System.nanoTime()));
        a.runPendingTasks();
        ByteBuf got = a.readOutbound();
        assertEquals(3, got.readableBytes());
        got.release();
        ByteBuf gotB = b.readOutbound();
        assertEquals(3, gotB.readableBytes());
        gotB.release();
        assertEquals(1, frame.refCnt(), "delivery released its reference");
        frame.release();
        assertEquals(2.0, metrics.deliveries.get());
        a.finishAndReleaseAll();
        b.finishAndReleaseAll();
    }

    @Test
    void slowConsumerIsSkippedOrClosedByPolicy() {
        for (SlowConsumerPolicy policy : SlowConsumerPolicy.values()) {
            GatewayMetrics m = new GatewayMetrics();
            EmbeddedChannel slow = new EmbeddedChannel();
            slow.config().setWriteBufferWaterMark(new WriteBufferWaterMark(8, 16));
            slow.write(Unpooled.wrappedBuffer(new byte[64])); // pending, unflushed: above the high mark
            assertFalse(slow.isWritable());
            LoopOutbox outbox = new LoopOutbox(slow.eventLoop(), m, policy);
            ByteBuf frame = Unpooled.wrappedBuffer(new byte[] {1});
            outbox.submit(new Delivery(frame, null, new Subscriber[] {subscriber(slow, outbox)}, System.nanoTime()));
            slow.runPendingTasks();
            assertEquals(0, frame.refCnt());
            assertEquals(1.0, m.droppedDeliveries.labels("slow_consumer").get(), policy.name());
            assertEquals(policy == SlowConsumerPolicy.DISCONNECT, !slow.isOpen(), policy.name());
            slow.finishAndReleaseAll();
        }
    }

    @Test
    void tasksRunInSubmissionOrder() {
        EmbeddedChannel ch = new EmbeddedChannel();
        LoopOutbox outbox = new LoopOutbox(ch.eventLoop(), metrics, SlowConsumerPolicy.DROP);
        StringBuilder order = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            int n = i;
            outbox.submit(o -> order.append(n));
        }
        ch.runPendingTasks();
        assertEquals("01234", order.toString());
        assertNull(ch.readOutbound());
        ch.finishAndReleaseAll();
    }

    /**
     * The outbox has a byte budget (issue 11, item 13): deliveries that would take what waits for a
     * busy loop past it are dropped and counted, their frames released; callbacks are never refused.
     */
    @Test
    void deliveriesBeyondTheByteBudgetAreDroppedAndCounted() {
        GatewayMetrics m = new GatewayMetrics();
        EmbeddedChannel ch = new EmbeddedChannel();
        LoopOutbox outbox = new LoopOutbox(ch.eventLoop(), m, SlowConsumerPolicy.DROP, 3000);
        Subscriber[] targets = {subscriber(ch, outbox)};
        java.util.List<ByteBuf> frames = new java.util.ArrayList<>();
        int queued = 0;
        for (int i = 0; i < 5; i++) { // the loop is busy: nothing runs until runPendingTasks
            ByteBuf frame = Unpooled.directBuffer(1000).writeZero(1000);
            frames.add(frame);
            if (outbox.submit(new Delivery(frame, null, targets, System.nanoTime()))) {
                queued++;
            }
        }
        StringBuilder callback = new StringBuilder();
        org.junit.jupiter.api.Assertions.assertTrue(outbox.submit(o -> callback.append("ran")), "callbacks are never refused");
        assertEquals(3, queued);
        assertEquals(3000, outbox.budget().used());
        assertEquals(2.0, m.queueOverflow.labels("outbox").get());
        assertEquals(2.0, m.droppedDeliveries.labels("outbox_full").get());
        assertEquals(0, frames.get(3).refCnt(), "a refused delivery releases its frame");
        ch.runPendingTasks();
        assertEquals("ran", callback.toString());
        assertEquals(0, outbox.budget().used(), "the budget is given back as deliveries run");
        for (int i = 0; i < 3; i++) {
            ByteBuf out = ch.readOutbound();
            assertEquals(1000, out.readableBytes());
            out.release();
        }
        ch.finishAndReleaseAll();
    }

    /**
     * A room's write delay (issue 12): its deliveries wait in the connection's pending write until
     * the round is due, then leave together; an undelayed delivery flushes the connection at once
     * (the round then skips it).
     */
    @Test
    void delayedDeliveriesLeaveTogetherWhenTheRoundIsDue() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast(dev.realtime.ws.FrameWriter.NAME,
                new io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder(false));
        dev.realtime.ws.FrameWriter.install(ch.pipeline());
        ch.freezeTime();
        GatewayMetrics m = new GatewayMetrics();
        LoopOutbox outbox = new LoopOutbox(ch.eventLoop(), m, SlowConsumerPolicy.DROP);
        Subscriber[] targets = {subscriber(ch, outbox)};
        for (int i = 0; i < 3; i++) {
            ByteBuf frame = Unpooled.directBuffer().writeBytes(new byte[] {(byte) 0x81, 1, (byte) ('a' + i)});
            outbox.submit(new Delivery(new ByteBuf[] {frame, null}, targets, System.nanoTime(), 20));
            ch.runPendingTasks();
            assertEquals(0, frame.refCnt(), "the delivery released its frame (the bytes were copied)");
        }
        assertNull(ch.readOutbound(), "nothing leaves before the delay");
        ch.advanceTimeBy(19, java.util.concurrent.TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertNull(ch.readOutbound());
        ch.advanceTimeBy(1, java.util.concurrent.TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        ByteBuf out = ch.readOutbound();
        assertEquals("\u0081\u0001a\u0081\u0001b\u0081\u0001c", out.toString(java.nio.charset.StandardCharsets.ISO_8859_1),
                "three deliveries, one write");
        out.release();
        assertNull(ch.readOutbound());
        assertEquals(3.0, m.deliveries.get());

        // delayed, then undelayed in the next tick: both leave at the end of that tick
        ByteBuf d = Unpooled.directBuffer().writeBytes(new byte[] {(byte) 0x81, 1, 'd'});
        ByteBuf e = Unpooled.directBuffer().writeBytes(new byte[] {(byte) 0x81, 1, 'e'});
        outbox.submit(new Delivery(new ByteBuf[] {d, null}, targets, System.nanoTime(), 20));
        outbox.submit(new Delivery(new ByteBuf[] {e, null}, targets, System.nanoTime(), 0));
        ch.runPendingTasks();
        ByteBuf both = ch.readOutbound();
        assertEquals("\u0081\u0001d\u0081\u0001e", both.toString(java.nio.charset.StandardCharsets.ISO_8859_1));
        both.release();
        ch.advanceTimeBy(20, java.util.concurrent.TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertNull(ch.readOutbound(), "the round found nothing left to flush");
        ch.finishAndReleaseAll();
    }

    /**
     * A room's own slow-consumer policy rides with its delivery (one byte) and overrides the node's:
     * {@code disconnect} closes even under a node-wide {@code drop}, {@code drop} (every volatile room)
     * never closes even under a node-wide {@code disconnect}; the node's code defers to the node.
     * The same on both paths: a queued {@link Delivery} (a member on another loop than the room's)
     * and {@link LoopOutbox#deliverNow} (a member on the room's own loop, issue 12).
     */
    @Test
    void aRoomsSlowConsumerCodeOverridesTheNodePolicy() {
        byte[] codes = {LoopOutbox.SLOW_NODE, LoopOutbox.SLOW_DROP, LoopOutbox.SLOW_DISCONNECT};
        for (boolean direct : new boolean[] {false, true}) {
            for (SlowConsumerPolicy node : SlowConsumerPolicy.values()) {
                for (byte code : codes) {
                    GatewayMetrics m = new GatewayMetrics();
                    EmbeddedChannel slow = new EmbeddedChannel();
                    slow.config().setWriteBufferWaterMark(new WriteBufferWaterMark(8, 16));
                    slow.write(Unpooled.wrappedBuffer(new byte[64]));
                    LoopOutbox outbox = new LoopOutbox(slow.eventLoop(), m, node);
                    ByteBuf frame = Unpooled.wrappedBuffer(new byte[] {1});
                    Subscriber[] to = {subscriber(slow, outbox)};
                    if (direct) {
                        outbox.deliverNow(to, new ByteBuf[] {frame, null}, System.nanoTime(), 0, code);
                        frame.release(); // deliverNow leaves the frames the caller's
                    } else {
                        outbox.submit(new Delivery(new ByteBuf[] {frame, null}, to, System.nanoTime(), 0, code));
                    }
                    slow.runPendingTasks();
                    assertEquals(0, frame.refCnt());
                    boolean disconnect = code == LoopOutbox.SLOW_DISCONNECT
                            || code == LoopOutbox.SLOW_NODE && node == SlowConsumerPolicy.DISCONNECT;
                    String what = (direct ? "direct " : "queued ") + node + "/" + code;
                    assertEquals(1.0, m.droppedDeliveries.labels("slow_consumer").get(), what);
                    assertEquals(disconnect, !slow.isOpen(), what);
                    assertEquals(disconnect ? 1.0 : 0.0, m.slowConsumerDisconnects.get(), what);
                    slow.finishAndReleaseAll();
                }
            }
        }
        assertEquals(LoopOutbox.SLOW_NODE, LoopOutbox.slowCode(null));
        assertEquals(LoopOutbox.SLOW_DROP, LoopOutbox.slowCode(SlowConsumerPolicy.DROP));
        assertEquals(LoopOutbox.SLOW_DISCONNECT, LoopOutbox.slowCode(SlowConsumerPolicy.DISCONNECT));
    }
}
