package dev.realtime.client;

/**
 * A registered handler or listener. {@link #unsubscribe()} removes it; it is idempotent and safe to
 * call from any thread (the removal runs on the client's event loop, in order with other calls made
 * from the same thread). Implementations are immutable handles.
 */
@FunctionalInterface
public interface Subscription extends AutoCloseable {

    /** Removes the handler. Events already being dispatched on the loop may still reach it. */
    void unsubscribe();

    /** Same as {@link #unsubscribe()}, for try-with-resources. */
    @Override
    default void close() {
        unsubscribe();
    }
}
