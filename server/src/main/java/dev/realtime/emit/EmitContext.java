package dev.realtime.emit;

import dev.realtime.auth.Principal;
import dev.realtime.protocol.ErrorCode;
import dev.realtime.protocol.ErrorInfo;
import dev.realtime.protocol.Payload;
import dev.realtime.protocol.ServerMessage;
import java.util.Set;

/**
 * What an {@link EmitHandler} sees of one {@code emit}: who sent it, its data, and ways to answer.
 * {@link #reply} and {@link #fail} answer at most once (later calls are ignored) and do nothing when
 * the emit carried no {@code id}. All methods are safe from any thread.
 */
public interface EmitContext {
    /** The verified identity of the sender; never taken from the payload. */
    Principal principal();

    /** The sender's connection id. */
    String sid();

    /** The event name the client emitted. */
    String event();

    /** The emit's {@code data}, or {@code null}. */
    Payload data();

    /** The rooms the sender's connection is in (a copy). */
    Set<String> rooms();

    /** Answers the emit successfully; {@code data} may be null. */
    void reply(Payload data);

    /** Answers the emit with an error. */
    void fail(ErrorCode code, String message);

    /** Answers the emit with an error. */
    default void fail(ErrorInfo error) {
        ErrorCode code = ErrorCode.fromCode(error.code());
        fail(code != null ? code : ErrorCode.INTERNAL_ERROR, error.message());
    }

    /**
     * Joins the sender's connection to {@code room} with every check a client {@code join} gets
     * (name, permissions, room limits). {@code done} runs on the connection's loop with null on
     * success (also when already a member) or the refusal.
     */
    void join(String room, java.util.function.Consumer<ErrorInfo> done);

    /**
     * {@link #join(String, java.util.function.Consumer)} that first replays what the connection
     * missed in {@code room} after {@code (epoch, offset)}, exactly like a client {@code join} with
     * {@code since}. {@code done} runs on the connection's loop with the refusal, or null and the
     * data a client join would answer ({@code room, recovered, epoch, offset, replayed}). The default
     * (for contexts that cannot replay) joins without replaying and answers null data.
     */
    default void join(String room, String epoch, long offset,
                      java.util.function.BiConsumer<ErrorInfo, dev.realtime.protocol.Payload> done) {
        join(room, error -> done.accept(error, null));
    }

    /** Makes the sender's connection leave {@code room}, like a client {@code leave}. */
    void leave(String room, java.util.function.Consumer<ErrorInfo> done);

    /**
     * Runs {@code task} on the sender's connection loop: where a handler that got an answer on a
     * shard, lane or store thread should build its reply, so those threads only fetch.
     */
    void onLoop(Runnable task);

    /** Sends an event to the sender's connection only. */
    void send(ServerMessage.Event event);
}
