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
    /** The last {@link #outboundBytes} result (returned when the loop is too busy to answer in time). */
    private volatile long lastOutboundBytes;

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

    /** Drops every session's connection now, without a close frame (shutdown, after the grace). Loop thread only. */
    public void abortAll() {
        for (Session s : new ArrayList<>(sessions)) {
            if (s.channel() != null) {
                s.channel().close();
            }
        }
    }

    /**
     * Bytes written to this loop's WebSocket sessions that the kernel has not taken yet (for the
     * {@code realtime_outbound_buffered_bytes} gauge): the sum as of this loop's last tick or last
     * call, and a fresh sum is queued on the loop (which owns the session list). Never waits on the
     * loop: a scrape is served by an event loop too, and two loops waiting on each other would stall.
     * Any thread.
     */
    public long outboundBytes() {
        if (loop.inEventLoop()) {
            return sumOutbound();
        }
        try {
            loop.execute(this::sumOutbound);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // shutting down: the last sum will do
        }
        return lastOutboundBytes;
    }

    private long sumOutbound() {
        long sum = 0;
        for (int i = 0; i < sessions.size(); i++) {
            io.netty.channel.Channel ch = sessions.get(i).channel();
            io.netty.channel.ChannelOutboundBuffer out = ch == null ? null : ch.unsafe().outboundBuffer();
            if (out != null) {
                sum += out.totalPendingWriteBytes();
            }
        }
        lastOutboundBytes = sum;
        return sum;
    }

    @Override
    public void run() {
        long nanos = System.nanoTime();
        long millis = System.currentTimeMillis();
        // Backwards: sweep() may close a session, and a closing session leaves the list at once (the
        // last one, already swept, takes its place).
        for (int i = sessions.size() - 1; i >= 0; i--) {
            if (i >= sessions.size()) {
                continue;
            }
            sessions.get(i).sweep(nanos, millis);
        }
        sumOutbound();
    }
}
