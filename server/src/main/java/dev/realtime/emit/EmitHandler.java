package dev.realtime.emit;

/**
 * A server-side handler for client {@code emit} messages with one event name. Features
 * (matchmaking, video, chat...) register theirs in the {@link EmitRegistry} at startup.
 *
 * <p>Runs on the connection's event loop: it must not block. Long work goes to another executor,
 * and the handler answers later through the context (which is safe to use from any thread).
 */
@FunctionalInterface
public interface EmitHandler {
    void handle(EmitContext ctx);
}
