package dev.realtime.room;

import dev.realtime.protocol.ServerMessage;

/**
 * The room history as the room layer sees it: which rooms keep one, and an order in which appends
 * and recovery reads of one room run. {@link RoomService} appends every accepted publish of a
 * journaled room through {@link #inOrder} and fans out the stamped event (with {@code offset} and
 * {@code epoch}) afterwards; a {@code join} with {@code since} reads through the same order, so a
 * recovering client gets the replay before any later event.
 *
 * The storage rules are those of {@link dev.realtime.store.HistoryStore}.
 *
 * <p>Implementations are thread-safe. {@link #inOrder} runs the task on the calling thread when the
 * store never blocks (the caller is then the room's shard), else on a per-room lane thread.
 */
public interface RoomJournal {

    /** Whether {@code room} keeps a history. */
    boolean journals(String room);

    /** Runs {@code task} in the room's journal order (see the class comment). */
    void inOrder(String room, Runnable task);

    /**
     * As {@link #inOrder}, for a task holding {@code bytes} of event: false (the task is not run)
     * when the room's lane has more than its byte budget waiting. Inline journals always run it.
     */
    default boolean tryInOrder(String room, long bytes, Runnable task) {
        inOrder(room, task);
        return true;
    }

    /** Appends {@code event}; returns it stamped with its position, or unstamped if the store failed. Call inside {@link #inOrder}. */
    ServerMessage.Event append(String room, ServerMessage.Event event);

    /** The events after {@code offset} of {@code epoch}, decoded. Call inside {@link #inOrder}; may throw when the store is down. */
    Replay since(String room, String epoch, long offset, int limit);

    /** The newest {@code limit} events, oldest first, and the room's head. Call inside {@link #inOrder}. */
    Replay latest(String room, int limit);

    /**
     * Events read back from the history.
     *
     * @param recovered whether {@code events} is exactly what followed the asked position
     * @param epoch     the room's epoch, or null when it has no history yet
     * @param head      the room's latest offset (0 without history)
     */
    record Replay(boolean recovered, String epoch, long head, java.util.List<ServerMessage.Event> events) {
    }

    /** No history for any room. */
    RoomJournal NONE = new RoomJournal() {
        @Override
        public boolean journals(String room) {
            return false;
        }

        @Override
        public void inOrder(String room, Runnable task) {
            task.run();
        }

        @Override
        public ServerMessage.Event append(String room, ServerMessage.Event event) {
            return event;
        }

        @Override
        public Replay since(String room, String epoch, long offset, int limit) {
            return new Replay(false, null, 0, java.util.List.of());
        }

        @Override
        public Replay latest(String room, int limit) {
            return new Replay(true, null, 0, java.util.List.of());
        }
    };
}
