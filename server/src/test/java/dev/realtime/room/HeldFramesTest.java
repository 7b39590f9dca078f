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
}
