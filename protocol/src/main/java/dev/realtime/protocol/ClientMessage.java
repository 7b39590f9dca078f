package dev.realtime.protocol;

/**
 * Messages a client sends. {@code id} is optional (may be {@code null}); when present the server
 * answers with a {@link ServerMessage.Reply} carrying the same id.
 */
public sealed interface ClientMessage {

    /** Correlation id, or {@code null} when the client wants no reply. */
    Long id();

    /** The wire name of this message's {@code op}. */
    String op();

    /** First-frame authentication, and token refresh while connected. */
    record Auth(Long id, String token) implements ClientMessage {
        public String op() {
            return "auth";
        }

        @Override
        public String toString() {
            return "Auth[id=" + id + ", token=<redacted>]";
        }
    }

    /** Join a room; {@code since} (optional) asks for recovery of missed events. */
    record Join(Long id, String room, Since since) implements ClientMessage {
        public String op() {
            return "join";
        }
    }

    /** Leave a room. */
    record Leave(Long id, String room) implements ClientMessage {
        public String op() {
            return "leave";
        }
    }

    /** Publish an event to every member of a room the client has joined. {@code data} may be null. */
    record Publish(Long id, String room, String event, Payload data) implements ClientMessage {
        public String op() {
            return "publish";
        }
    }

    /** Send an event to a server-side handler registered under {@code event}. {@code data} may be null. */
    record Emit(Long id, String event, Payload data) implements ClientMessage {
        public String op() {
            return "emit";
        }
    }

    /** Application-level ping; answered with {@link ServerMessage.Pong}. */
    record Ping(Long id) implements ClientMessage {
        public String op() {
            return "ping";
        }
    }

    /**
     * A message that could not be decoded. Codecs produce it instead of throwing so that one bad
     * element of a batch does not discard the good ones; {@code id} is set when it could be read.
     */
    record Invalid(Long id, ErrorInfo error) implements ClientMessage {
        public String op() {
            return "invalid";
        }
    }

    /** Recovery position: the epoch of the room's stream and the last offset the client saw. */
    record Since(String epoch, long offset) {
    }
}
