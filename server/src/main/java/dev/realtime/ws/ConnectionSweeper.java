package dev.realtime.ws;

import dev.realtime.session.Session;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;

/**
 * One timer per event loop (not one per connection) that drives auth timeouts, token expiry and
 * heartbeats for every session on that loop. Keeps idle connections cheap: no per-channel
 * {@code IdleStateHandler}, no per-channel scheduled task.
 *
 * <p>Threading: all state is owned by {@link #loop}; {@link #add}/{@link #remove} must run there.
 */
public final class ConnectionSweeper implements Runnable {
    private final EventLoop loop;
    private final ArrayList<Session> sessions = new ArrayList<>();
    private ScheduledFuture<?> timer;

    public ConnectionSweeper(EventLoop loop) {
        this.loop = loop;
    }

    /** Starts ticking every {@code periodMs}. */
    public void start(long periodMs) {
        loop.execute(() -> timer = loop.scheduleAtFixedRate(this, periodMs, periodMs, TimeUnit.MILLISECONDS));
    }

    public void stop() {
        loop.execute(() -> {
            if (timer != null) {
                timer.cancel(false);
            }
        });
    }

    public EventLoop loop() {
        return loop;
    }

    public void add(Session s) {
        s.sweepIndex = sessions.size();
        sessions.add(s);
    }

    public void remove(Session s) {
        int i = s.sweepIndex;
        if (i < 0) {
            return;
        }
        Session last = sessions.remove(sessions.size() - 1);
        if (last != s) {
            sessions.set(i, last);
            last.sweepIndex = i;
        }
        s.sweepIndex = -1;
    }

    /** Sessions currently on this loop. Loop thread only. */
    public int size() {
        return sessions.size();
    }

    /** Closes every session on this loop with {@code code}. Loop thread only. */
    public void closeAll(int code, String reason) {
        for (Session s : new ArrayList<>(sessions)) {
            s.close(code, reason);
        }
    }

    @Override
    public void run() {
        long nanos = System.nanoTime();
        long millis = System.currentTimeMillis();
        // Iterate over a copy of the bound: sweep() may close a session, which removes it later
        // (from channelInactive), never during this loop.
        for (int i = 0; i < sessions.size(); i++) {
            sessions.get(i).sweep(nanos, millis);
        }
    }
}
