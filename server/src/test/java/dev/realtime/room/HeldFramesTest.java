package dev.realtime.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

/** The queue behind a replay: replay frames always taken, live ones up to the budget, nothing leaked. */
class HeldFramesTest {

    @Test
    void replayFramesAreAlwaysTakenLiveOnesUpToTheBudgetInOrder() {
        HeldFrames h = new HeldFrames(100);
        ByteBuf r1 = Unpooled.buffer().writeZero(500);
        ByteBuf l1 = Unpooled.buffer().writeZero(60);
        ByteBuf l2 = Unpooled.buffer().writeZero(60);
        h.addReplay(r1);
        assertTrue(h.addLive(l1));
        assertFalse(h.addLive(l2), "past the live budget");
        assertEquals(0, l2.refCnt(), "a refused frame is released");
        assertEquals(560, h.bytes());
        assertSame(r1, h.poll());
        assertSame(l1, h.poll());
        assertNull(h.poll());
        assertTrue(h.isEmpty());
        r1.release();
        l1.release();
        ByteBuf l3 = Unpooled.buffer().writeZero(100);
        assertTrue(h.addLive(l3), "the budget is given back as frames leave");
        assertEquals(1, h.releaseAll());
        assertEquals(0, l3.refCnt());
        assertEquals(0, h.bytes());
    }

    private static ByteBuf frame(String text) {
        return Unpooled.copiedBuffer(text, java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static String text(ByteBuf b) {
        try {
            return b.toString(java.nio.charset.StandardCharsets.US_ASCII);
        } finally {
            b.release();
        }
    }

    @Test
    void anAwaitedReplayGoesFirstAndHeldRepeatsOfItAreDropped() {
        HeldFrames h = new HeldFrames(1_000, true);
        assertTrue(h.awaitingReplay());
        ByteBuf repeat = frame("n3");
        assertTrue(h.addLive(repeat));
        assertTrue(h.addLive(frame("reply")));
        assertEquals(1, h.placeReplay(java.util.List.of(frame("n1"), frame("n2"), frame("n3"))),
                "one live frame repeats the replay");
        assertEquals(0, repeat.refCnt(), "the dropped repeat is released");
        assertFalse(h.awaitingReplay());
        java.util.List<String> out = new java.util.ArrayList<>();
        ByteBuf b;
        while ((b = h.poll()) != null) {
            out.add(text(b));
        }
        assertEquals(java.util.List.of("n1", "n2", "n3", "reply"), out);
        assertEquals(0, h.bytes());
        assertTrue(h.addLive(Unpooled.buffer().writeZero(1_000)), "the repeat's live budget was given back");
        h.releaseAll();
    }

    @Test
    void aReplayPlacedOnAQueueNotWaitingForItGoesBehindWhatIsHeld() {
        HeldFrames h = new HeldFrames(1_000);
        h.addReplay(frame("r1"));
        assertTrue(h.addLive(frame("live")));
        assertTrue(h.addLive(frame("n1")));
        assertEquals(1, h.placeReplay(java.util.List.of(frame("n1"))));
        java.util.List<String> out = new java.util.ArrayList<>();
        ByteBuf b;
        while ((b = h.poll()) != null) {
            out.add(text(b));
        }
        assertEquals(java.util.List.of("r1", "live", "n1"), out);
    }

    @Test
    void releasingAWaitingQueueReleasesEverything() {
        HeldFrames h = new HeldFrames(1_000, true);
        ByteBuf live = frame("live");
        h.addLive(live);
        ByteBuf r = frame("r");
        h.placeReplay(new java.util.ArrayList<>(java.util.List.of(r)));
        assertEquals(2, h.releaseAll());
        assertEquals(0, live.refCnt());
        assertEquals(0, r.refCnt());
    }
}
