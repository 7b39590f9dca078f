package dev.realtime.client;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Records state changes (called on the client's loop) for a test thread to wait on. */
final class StateRecorder implements java.util.function.Consumer<StateChange> {
    private final BlockingQueue<StateChange> queue = new LinkedBlockingQueue<>();
    private final List<StateChange> all = java.util.Collections.synchronizedList(new ArrayList<>());

    @Override
    public void accept(StateChange change) {
        all.add(change);
        queue.add(change);
    }

    /** Waits for the next change matching {@code p}, skipping others. */
    StateChange await(Predicate<StateChange> p, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true) {
            long left = deadline - System.nanoTime();
            StateChange c = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : null;
            if (c == null) {
                fail("no matching state change within " + timeoutMs + " ms; saw " + snapshot());
            }
            if (p.test(c)) {
                return c;
            }
        }
    }

    StateChange await(ConnectionState state) throws InterruptedException {
        return await(c -> c.state() == state, 10_000);
    }

    List<ConnectionState> states() {
        List<ConnectionState> out = new ArrayList<>();
        for (StateChange c : snapshot()) {
            out.add(c.state());
        }
        return out;
    }

    List<StateChange> snapshot() {
        synchronized (all) {
            return new ArrayList<>(all);
        }
    }
}
