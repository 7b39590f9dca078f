package dev.realtime.notify;

import dev.realtime.store.InMemoryInboxStore;
import dev.realtime.store.InboxStore;
import java.time.Duration;
import java.util.List;

/** An in-memory inbox whose calls take as long as a test says (a slow or loaded Redis). Thread-safe. */
final class SlowInbox implements InboxStore {
    final InMemoryInboxStore real = new InMemoryInboxStore(100, Duration.ofHours(1), System::currentTimeMillis);
    volatile long addDelayMs;
    volatile long unreadDelayMs;
    volatile long markReadDelayMs;
    /** When set, {@link #add} waits for it to open (a store stuck mid-call); {@link #addsWaiting} counts the waiters. */
    volatile java.util.concurrent.CountDownLatch addGate;
    final java.util.concurrent.atomic.AtomicInteger addsWaiting = new java.util.concurrent.atomic.AtomicInteger();

    private static void pause(long ms) {
        if (ms > 0) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** How many more calls of {@link #add} fail as a store that cannot be reached does. */
    final java.util.concurrent.atomic.AtomicInteger addFailures = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public Notification add(String userId, byte[] payload) {
        if (addFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new dev.realtime.store.StoreUnavailableException("test: the inbox cannot be reached", null);
        }
        java.util.concurrent.CountDownLatch gate = addGate;
        if (gate != null) {
            addsWaiting.incrementAndGet();
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                addsWaiting.decrementAndGet();
            }
        }
        pause(addDelayMs);
        return real.add(userId, payload);
    }

    @Override
    public List<Notification> unread(String userId, int limit) {
        pause(unreadDelayMs);
        return real.unread(userId, limit);
    }

    @Override
    public boolean markRead(String userId, String notificationId) {
        pause(markReadDelayMs);
        return real.markRead(userId, notificationId);
    }

    @Override
    public List<Pending> unackedOlderThan(Duration age, int limit) {
        return real.unackedOlderThan(age, limit);
    }

    @Override
    public boolean markForwarded(String userId, String notificationId) {
        return real.markForwarded(userId, notificationId);
    }

    @Override
    public void releaseForwarded(String userId, Notification n) {
        real.releaseForwarded(userId, n);
    }

    @Override
    public int capacity() {
        return real.capacity();
    }
}
