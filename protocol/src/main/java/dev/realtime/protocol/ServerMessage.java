package dev.realtime.protocol;

import java.util.List;

/** Messages the server sends. */
public sealed interface ServerMessage {

    /** The wire name of this message's {@code op}. */
    String op();

    /** Sent once the connection is authenticated (or accepted as anonymous). */
    record Connected(String sid, String userId, boolean anonymous, List<String> rooms,
                     long serverTime, long pingIntervalMs) implements ServerMessage {
        public Connected {
            rooms = List.copyOf(rooms);
        }

        public String op() {
            return "connected";
        }
    }

    /**
     * An event delivered to the client. {@code room} is null for events addressed to the
     * connection or user directly; {@code offset}/{@code epoch} are null unless the room keeps history.
     */
    record Event(String room, String event, Payload data, Long offset, String epoch) implements ServerMessage {
        public String op() {
            return "event";
        }
    }

    /** The answer to a client message that carried an {@code id}: either {@code data} or {@code error}. */
    record Reply(long id, boolean ok, Payload data, ErrorInfo error) implements ServerMessage {
        public static Reply ok(long id, Payload data) {
            return new Reply(id, true, data, null);
        }

        public static Reply error(long id, ErrorInfo error) {
            return new Reply(id, false, null, error);
        }

        public String op() {
            return "reply";
        }
    }

    /** An error not tied to a message id (malformed frame, rate limit, auth failure before close). */
    record Error(ErrorInfo error) implements ServerMessage {
        public String op() {
            return "error";
        }
    }

    /** Answer to an application-level {@code ping}. */
    record Pong(Long id) implements ServerMessage {
        public String op() {
            return "pong";
        }
    }
}
