package dev.realtime.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.metrics.GatewayMetrics;
import dev.realtime.protocol.BinaryCodec;
import dev.realtime.protocol.ErrorCode;
import dev.realtime.protocol.JsonCodec;
import dev.realtime.protocol.Payload;
import dev.realtime.protocol.ServerMessage;
import io.netty.buffer.ByteBufAllocator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A room shard's queue has a byte budget (issue 11, item 13): while the shard is stuck, publishes
 * that would queue more than {@code SHARD_QUEUE_MAX_BYTES} of events are refused
 * ({@code unavailable}) and counted, instead of growing the heap without bound.
 */
class ShardBudgetTest {

    @Test
    void publishesBeyondTheShardBudgetAreRefusedAndCounted() throws Exception {
        GatewayMetrics metrics = new GatewayMetrics();
        RoomService rooms = new RoomService(1, 0, new JsonCodec(32, 100), new BinaryCodec(100), ByteBufAllocator.DEFAULT,
                metrics, RoomBridge.LOCAL, RoomJournal.NONE, 350_000, java.util.List.of());
        CountDownLatch release = new CountDownLatch(1);
        try {
            rooms.shard("r").executor().execute(() -> {
                try {
                    release.await(20, TimeUnit.SECONDS); // the shard is stuck
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            List<String> answers = new CopyOnWriteArrayList<>();
            CountDownLatch done = new CountDownLatch(5);
            for (int i = 0; i < 5; i++) {
                ServerMessage.Event e = new ServerMessage.Event("r", "blob", Payload.binary(new byte[100_000]), null, null);
                rooms.publish(null, "r", e, "http", error -> {
                    answers.add(error == null ? "ok" : error.code());
                    done.countDown();
                });
            }
            assertEquals(2, answers.size(), "refused at once: " + answers);
            assertTrue(answers.stream().allMatch(a -> a.equals(ErrorCode.UNAVAILABLE.code())), answers.toString());
            assertEquals(2.0, metrics.droppedPublishes.labels("http").get());
            assertEquals(2.0, metrics.queueOverflow.labels("shard").get());
            assertTrue(metrics.scrape().contains("realtime_queue_bytes{queue=\"shard\",}"));
            release.countDown();
            assertTrue(done.await(10, TimeUnit.SECONDS));
            assertEquals(3, answers.stream().filter("ok"::equals).count(), "three went through: " + answers);
            assertEquals(0, rooms.shard("r").budget().used());
        } finally {
            release.countDown();
            rooms.shutdown();
        }
    }
}
