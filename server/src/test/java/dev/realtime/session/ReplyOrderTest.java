package dev.realtime.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.realtime.protocol.ServerMessage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The per-connection answer order, without Netty. */
class ReplyOrderTest {
    private final List<Long> sent = new ArrayList<>();
    private final ReplyOrder order = new ReplyOrder(m -> sent.add(((ServerMessage.Pong) m).id()), 1_000);

    private static ServerMessage answer(long id) {
        return new ServerMessage.Pong(id);
    }

    @Test
    void answersLeaveInArrivalOrder() {
        order.expect(1, 0);
        order.expect(2, 0);
        order.expect(3, 0);
        order.answer(3, answer(3));
        order.answer(2, answer(2));
        assertEquals(List.of(), sent, "held behind 1");
        order.answer(1, answer(1));
        assertEquals(List.of(1L, 2L, 3L), sent);
        assertEquals(0, order.size());
    }

    @Test
    void aSlotOpenTooLongStopsHoldingTheOthersAndItsLateAnswerGoesAtOnce() {
        order.expect(1, 0);
        order.expect(2, 500);
        order.answer(2, answer(2));
        order.expire(999);
        assertEquals(List.of(), sent);
        order.expire(1_000);
        assertEquals(List.of(2L), sent);
        order.answer(1, answer(1));
        assertEquals(List.of(2L, 1L), sent);
    }

    @Test
    void unexpectedIdsGoAtOnceAndAReusedIdFillsTheOldestOpenSlot() {
        order.expect(5, 0);
        order.answer(9, answer(9));
        assertEquals(List.of(9L), sent);
        order.expect(5, 0);
        order.answer(5, answer(5));
        order.answer(5, answer(5));
        assertEquals(List.of(9L, 5L, 5L), sent);
        assertEquals(0, order.size());
    }

    @Test
    void aDetachedSlotReleasesTheOthersAndItsAnswerGoesWhenReady() {
        order.expect(1, 0);
        order.expect(2, 0);
        order.answer(2, answer(2));
        order.detach(1);
        assertEquals(List.of(2L), sent);
        order.answer(1, answer(1));
        assertEquals(List.of(2L, 1L), sent);
    }
}
