package dev.realtime.session;

import dev.realtime.protocol.ServerMessage;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.function.Consumer;

/**
 * Keeps the answers to one connection's messages in the order the messages arrived: every message
 * with an {@code id} takes a slot when it is received ({@link #expect}); its answer ({@code reply},
 * or {@code pong} for {@code ping}) fills the slot ({@link #answer}), and answers go out only from
 * the front. So {@code [join r1, get_rooms, ping]} is answered 1, 2, 3 although the join alone needs
 * a trip to the room's shard.
 *
 * <p>A slot still empty after {@code maxWaitNanos} (an emit handler that never answers, or answers
 * very late) stops holding the others back: it is dropped from the queue by {@link #expire}, and its
 * answer, if it ever comes, is sent as soon as it does. An answer for an id with no slot (never
 * expected, or its slot expired) is sent at once. Ids are the client's: with an id reused while in
 * flight, the oldest open slot of that id takes the first answer.
 *
 * <p>Threading: owned by the connection's event loop, like its {@code Session}.
 */
final class ReplyOrder {
    private static final class Slot {
        final long id;
        final long since;
        ServerMessage answer;

        Slot(long id, long since) {
            this.id = id;
            this.since = since;
        }
    }

    /** Open slots in arrival order; null while there are none (most connections, most of the time). */
    private ArrayDeque<Slot> slots;
    private final Consumer<ServerMessage> out;
    private final long maxWaitNanos;

    ReplyOrder(Consumer<ServerMessage> out, long maxWaitNanos) {
        this.out = out;
        this.maxWaitNanos = maxWaitNanos;
    }

    /** A message with {@code id} arrived: its answer goes out after those of earlier messages. */
    void expect(long id, long nowNanos) {
        if (slots == null) {
            slots = new ArrayDeque<>(4);
        }
        slots.addLast(new Slot(id, nowNanos));
    }

    /** The answer to {@code id}: sent now if nothing earlier is still open, else when it is. */
    void answer(long id, ServerMessage message) {
        if (slots == null) {
            out.accept(message);
            return;
        }
        for (Iterator<Slot> it = slots.iterator(); it.hasNext(); ) {
            Slot s = it.next();
            if (s.id == id && s.answer == null) {
                s.answer = message;
                drain();
                return;
            }
        }
        out.accept(message);
    }

    /**
     * The message {@code id} will be answered whenever its answer is ready, out of order: its slot is
     * given up (the answers behind it may go) and its answer, when it comes, is sent at once.
     */
    void detach(long id) {
        if (slots == null) {
            return;
        }
        for (Iterator<Slot> it = slots.iterator(); it.hasNext(); ) {
            Slot s = it.next();
            if (s.id == id && s.answer == null) {
                it.remove();
                drain();
                return;
            }
        }
    }

    /** Stops waiting for answers older than the limit (called from the session's sweep). */
    void expire(long nowNanos) {
        if (slots == null) {
            return;
        }
        boolean dropped = false;
        while (!slots.isEmpty() && slots.peekFirst().answer == null && nowNanos - slots.peekFirst().since >= maxWaitNanos) {
            slots.pollFirst();
            dropped = true;
        }
        if (dropped) {
            drain();
        }
    }

    /** Slots waiting (answered or not): what this connection holds. */
    int size() {
        return slots == null ? 0 : slots.size();
    }

    /** The connection is gone: forget everything. */
    void clear() {
        slots = null;
    }

    private void drain() {
        ArrayDeque<Slot> q = slots;
        while (q != null && !q.isEmpty() && q.peekFirst().answer != null) {
            out.accept(q.pollFirst().answer);
        }
        if (slots != null && slots.isEmpty()) {
            slots = null; // an idle connection keeps no queue
        }
    }
}
