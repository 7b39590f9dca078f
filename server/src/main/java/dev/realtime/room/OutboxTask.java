package dev.realtime.room;

/** Work handed from a shard (or any thread) to an event loop through its {@link LoopOutbox}. */
@FunctionalInterface
public interface OutboxTask {
    /** Runs on the outbox's event loop. */
    void run(LoopOutbox outbox);

    /** Called instead of {@link #run} when the loop is gone; must release any buffers held. */
    default void discard() {
    }

    /**
     * The bytes this task keeps alive while queued, counted against the outbox's byte budget; 0
     * (callbacks, replies) means it is never refused.
     */
    default long bytes() {
        return 0;
    }
}
