package dev.realtime.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The rules every {@link Bus} follows, run against each implementation by a subclass that says how
 * to make two buses of one cluster.
 */
abstract class BusContract {
    /** (room, payload) as received. */
    record Received(String room, String payload, byte[] bytes) {
        Received(String room, String payload) {
            this(room, payload, null);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Received r && r.room.equals(room) && r.payload.equals(payload);
        }

        @Override
        public int hashCode() {
            return room.hashCode() * 31 + payload.hashCode();
        }
    }

    private Bus a;
    private Bus b;
    private final BlockingQueue<Received> atB = new LinkedBlockingQueue<>();

    /** Two buses of one cluster, not started. */
    abstract Bus[] pair();

    private void start() {
        Bus[] pair = pair();
        a = pair[0];
        b = pair[1];
        a.start((room, bytes) -> { });
        b.start((room, bytes) -> atB.add(new Received(room, new String(bytes, StandardCharsets.ISO_8859_1), bytes)));
    }

    @AfterEach
    void close() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Publishes probes until b receives one (subscriptions may take effect asynchronously). */
    private void awaitSubscribed(String room) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            a.publish(room, text("probe"));
            Received r = atB.poll(50, TimeUnit.MILLISECONDS);
            if (r != null && r.room().equals(room)) {
                // drain the other probes in flight
                while (atB.poll(100, TimeUnit.MILLISECONDS) != null) {
                    Thread.onSpinWait();
                }
                return;
            }
        }
        throw new AssertionError("subscription to " + room + " never took effect");
    }

    private Received next() throws InterruptedException {
        Received r = atB.poll(10, TimeUnit.SECONDS);
        assertNotNull(r, "nothing received");
        return r;
    }

    @Test
    void deliversSubscribedRoomsOnlyInOrder() throws Exception {
        start();
        b.subscribe("r1");
        awaitSubscribed("r1");
        a.publish("not-subscribed", text("x"));
        for (int i = 0; i < 100; i++) {
            a.publish("r1", text("m" + i));
        }
        for (int i = 0; i < 100; i++) {
            assertEquals(new Received("r1", "m" + i), next(), "in order, and nothing from an unsubscribed room");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!(a.healthy() && b.healthy()) && System.nanoTime() < deadline) {
            Thread.sleep(20); // a cluster bus is healthy once it reaches every primary, not only the room's
        }
        assertTrue(a.healthy() && b.healthy());
    }

    @Test
    void unsubscribeStopsDelivery() throws Exception {
        start();
        b.subscribe("r1");
        b.subscribe("r2");
        awaitSubscribed("r1");
        awaitSubscribed("r2");
        b.unsubscribe("r1");
        // r2 is the marker: once its message arrives, r1's (sent first) would have arrived too.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        boolean clean = false;
        while (!clean && System.nanoTime() < deadline) {
            a.publish("r1", text("gone"));
            a.publish("r2", text("marker"));
            Received first = next();
            clean = first.equals(new Received("r2", "marker"));
            atB.clear();
        }
        assertTrue(clean, "unsubscribe took effect");
    }

    @Test
    void binarySafePayloads() throws Exception {
        start();
        b.subscribe("bin");
        awaitSubscribed("bin");
        byte[] raw = new byte[256];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (byte) i;
        }
        a.publish("bin", raw);
        assertArrayEquals(raw, next().bytes());
    }

    /**
     * A room's channel carries, besides its events (from the room's shard), signals and peer messages
     * sent from other threads at once (counts, typing, the quiz's signals): every one of them
     * arrives, each once, in each sender thread's order.
     */
    @Test
    void aRoomsMessagesFromSeveralThreadsAtOnceAllArriveOnce() throws Exception {
        start();
        b.subscribe("busy");
        awaitSubscribed("busy");
        int threads = 4;
        int each = 250;
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        java.util.List<Thread> senders = new java.util.ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int sender = t;
            Thread th = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < each; i++) {
                    a.publish("busy", text("t" + sender + "-" + i));
                }
            });
            th.start();
            senders.add(th);
        }
        go.countDown();
        for (Thread th : senders) {
            th.join(10_000);
        }
        int[] next = new int[threads];
        for (int n = 0; n < threads * each; n++) {
            Received r = next();
            String[] parts = r.payload().substring(1).split("-");
            int sender = Integer.parseInt(parts[0]);
            assertEquals(next[sender]++, Integer.parseInt(parts[1]), "sender " + sender + " in order, none missing: " + r);
        }
        assertEquals(null, atB.poll(300, TimeUnit.MILLISECONDS), "no copies");
    }
}
