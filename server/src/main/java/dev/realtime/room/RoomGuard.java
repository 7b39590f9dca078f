package dev.realtime.room;

import dev.realtime.auth.Principal;
import dev.realtime.protocol.ErrorInfo;

/**
 * Decides who may join the rooms under one prefix that a feature owns (the quiz owns
 * {@code match:*}: only the match's two players). Registered with {@link RoomPolicy#withGuard}.
 *
 * <p>Runs on the joining connection's event loop, for client joins and server joins alike: it must
 * answer from memory, never block.
 */
@FunctionalInterface
public interface RoomGuard {
    /** {@code null} if {@code who} (authenticated, never anonymous) may join {@code room}, else why not. */
    ErrorInfo checkJoin(Principal who, String room);
}
