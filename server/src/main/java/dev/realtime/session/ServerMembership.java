package dev.realtime.session;

import dev.realtime.protocol.ErrorCode;
import dev.realtime.protocol.ErrorInfo;
import java.util.function.Consumer;

/**
 * Joins a connection to a room on behalf of a server-side feature that holds the {@link Session}
 * (e.g. the quiz putting a player's connections in {@code match:{id}}), with every check a client
 * {@code join} gets: the feature's {@code RoomGuard} must say yes, limits apply, listeners hear it.
 *
 * <p>Threading: stateless; call on the session's event loop ({@code done} runs there too).
 */
public final class ServerMembership {
    private ServerMembership() {
    }

    /** {@code done} gets null on success (also when already a member) or the refusal. */
    public static void join(Session session, String room, Consumer<ErrorInfo> done) {
        if (session.closing() || !session.authenticated()) {
            done.accept(ErrorInfo.of(ErrorCode.UNAVAILABLE, "the connection is closing"));
            return;
        }
        Membership.join(session, room, null, (error, data) -> done.accept(error));
    }
}
