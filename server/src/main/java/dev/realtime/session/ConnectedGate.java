package dev.realtime.session;

import io.netty.channel.Channel;
import java.util.ArrayDeque;

/**
 * Keeps {@code connected} the first message of a connection. Between the moment a connection is
 * authenticated and the moment its auto-joins ({@code user:{id}}, {@code global}) are done and
 * {@code connected} goes out, the client may already be sending (it got the 101, or it sent
 * {@code [auth, join, ...]} in one batch). Answering those at once would put a {@code pong} or a
 * {@code reply} before {@code connected}. So messages that arrive in that window wait here and run,
 * in order, right after {@code connected}; meanwhile the native channel stops reading, so what waits
 * is at most what was already read (a few frames), not whatever a client can push during a slow join.
 *
 * <p>Threading: owned by the connection's event loop, like its {@link Session}.
 */
final class ConnectedGate {
    /** Beyond this many waiting messages they run at once (order before safety of memory). */
    static final int MAX_WAITING = 1024;

    private final Channel channel;
    private ArrayDeque<Runnable> waiting;
    private boolean open;

    /** @param channel the native WebSocket channel, paused while messages wait; null for other wires */
    ConnectedGate(Channel channel) {
        this.channel = channel;
    }

    /**
     * Queues {@code work} when the gate is shut and returns true; returns false (the caller runs it
     * now) once {@code connected} is out or when too much already waits.
     */
    boolean defer(Runnable work) {
        if (open) {
            return false;
        }
        if (waiting == null) {
            waiting = new ArrayDeque<>();
            if (channel != null) {
                channel.config().setAutoRead(false);
            }
        }
        if (waiting.size() >= MAX_WAITING) {
            return false;
        }
        waiting.add(work);
        return true;
    }

    /** {@code connected} went out: runs what waited, in arrival order, and reads again. */
    void open() {
        if (open) {
            return;
        }
        open = true;
        if (waiting == null) {
            return;
        }
        Runnable r;
        while ((r = waiting.poll()) != null) {
            r.run();
        }
        waiting = null;
        if (channel != null && channel.isActive()) {
            channel.config().setAutoRead(true);
        }
    }
}
