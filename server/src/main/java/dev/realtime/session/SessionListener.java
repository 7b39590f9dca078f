package dev.realtime.session;

import java.util.List;
import java.util.Set;

/**
 * Observes connections' lifecycles: presence, the notification inbox and Kafka lifecycle
 * forwarding hang off these calls, so {@link Session} knows nothing about them.
 *
 * <p>Every method runs on the connection's event loop, in the order things happened to that
 * connection, and must not block: implementations read what they need from the session right away
 * and hand any I/O to a thread of their own. Rooms joined automatically on connect
 * ({@code user:{id}}, {@code global}) are not reported as joins.
 */
public interface SessionListener {

    /** The connection is authenticated and {@code connected} has been sent (also after an anonymous connection upgrades). */
    default void connected(Session session) {
    }

    /** The connection joined {@code room} with a client {@code join}. */
    default void joined(Session session, String room) {
    }

    /** The connection left {@code room} with a client {@code leave}. */
    default void left(Session session, String room) {
    }

    /**
     * The connection closed. {@code rooms} are the rooms it had joined itself (auto-joined ones
     * excluded); they are not reported as {@link #left} one by one.
     */
    default void disconnected(Session session, Set<String> rooms) {
    }

    /**
     * Calls each listener in order. A listener that throws (e.g. its executor already stopped during
     * shutdown) is logged and skipped, so it can neither break the connection nor starve the others.
     */
    static SessionListener of(List<SessionListener> listeners) {
        List<SessionListener> all = List.copyOf(listeners);
        return new SessionListener() {
            @Override
            public void connected(Session s) {
                each(l -> l.connected(s));
            }

            @Override
            public void joined(Session s, String room) {
                each(l -> l.joined(s, room));
            }

            @Override
            public void left(Session s, String room) {
                each(l -> l.left(s, room));
            }

            @Override
            public void disconnected(Session s, Set<String> rooms) {
                each(l -> l.disconnected(s, rooms));
            }

            private void each(java.util.function.Consumer<SessionListener> call) {
                for (SessionListener l : all) {
                    try {
                        call.accept(l);
                    } catch (RuntimeException e) {
                        org.slf4j.LoggerFactory.getLogger(SessionListener.class)
                                .debug("session listener {} failed: {}", l.getClass().getSimpleName(), e.toString());
                    }
                }
            }
        };
    }

    /** Nobody listening. */
    SessionListener NONE = new SessionListener() {
    };
}
