package dev.realtime.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.protocol.ClientMessage;

/**
 * The outcome of rejoining one room after a reconnect, passed to {@link RealtimeClient#onRejoin}
 * listeners. Immutable.
 *
 * @param room the room
 * @param since the recovery position sent with the join ({@code epoch} and the last {@code offset}
 *              seen), or null when no event of that room carried a position
 * @param ok whether the server accepted the join
 * @param recovered the {@code recovered} flag of the join reply: {@code true} when the server replayed
 *                  every missed event, {@code false} when it could not (epoch changed or too old: reload
 *                  your state), null when the reply did not say (no {@code since} sent, or a server
 *                  without history)
 * @param data the reply data ({@code NullNode} if none, never null when {@code ok})
 * @param error why the rejoin failed, or null. A server error (e.g. {@code forbidden}) also drops the
 *              room from the set the client rejoins; {@code timeout}/{@code disconnected} keep it
 */
public record RejoinResult(String room, ClientMessage.Since since, boolean ok, Boolean recovered, JsonNode data,
                           RealtimeException error) {
}
