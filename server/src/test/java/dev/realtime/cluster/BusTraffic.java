package dev.realtime.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Numbered traffic over real buses, for the outage tests: each publisher bus sends {@code <origin>:<n>}
 * round-robin over the rooms at a fixed rate from one thread (so each room's messages are in order),
 * every bus records what it receives from the others, and {@link #assertExactlyOnceInOrder} checks
 * that each receiver got every message of every other publisher for each room once, in order.
 *
 * <p>Threading: one publisher thread per bus; the handlers run on the buses' threads and append to
 * per-(receiver, room) synchronized lists.
 */
final class BusTraffic implements AutoCloseable {
    private final List<String> rooms;
    private final Map<String, Bus> buses = new java.util.LinkedHashMap<>();
    /** receiver -> room -> messages in arrival order. */
    private final Map<String, Map<String, List<String>>> received = new ConcurrentHashMap<>();
    /** origin -> room -> messages sent. */
    private final Map<String, Map<String, AtomicInteger>> sent = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean();
    private final List<Thread> threads = new ArrayList<>();

    BusTraffic(List<String> rooms) {
        this.rooms = List.copyOf(rooms);
    }

    /** Starts {@code bus} as {@code name}, subscribed to every room. */
    BusTraffic add(String name, Bus bus) {
        Map<String, List<String>> byRoom = new ConcurrentHashMap<>();
        received.put(name, byRoom);
        bus.start((room, payload) -> {
            String m = new String(payload, StandardCharsets.UTF_8);
            if (!m.startsWith(name + ":") && !m.startsWith(name + "/")) { // not our own (main or side stream)
                List<String> list = byRoom.computeIfAbsent(room, k -> java.util.Collections.synchronizedList(new ArrayList<>()));
                list.add(m);
            }
        });
        rooms.forEach(bus::subscribe);
        buses.put(name, bus);
        return this;
    }

    /** Waits until every bus confirmed every room. */
    void awaitSubscribed() {
        for (Bus b : buses.values()) {
            for (String r : rooms) {
                b.subscribed(r).orTimeout(20, TimeUnit.SECONDS).join();
            }
        }
    }

    /** Starts publishing {@code perSecond} messages a second from each bus. */
    void start(int perSecond) {
        start(perSecond, 0);
    }

    /**
     * Starts publishing {@code perSecond} messages a second from each bus, and {@code sidePerSecond}
     * more to the same rooms from a second thread of each bus (stream {@code <bus>/side}): what a
     * node's room signals and peer messages do beside the rooms' shard threads.
     */
    void start(int perSecond, int sidePerSecond) {
        running.set(true);
        for (Map.Entry<String, Bus> e : buses.entrySet()) {
            stream(e.getKey(), e.getValue(), perSecond);
            if (sidePerSecond > 0) {
                stream(e.getKey() + "/side", e.getValue(), sidePerSecond);
            }
        }
    }

    private void stream(String origin, Bus bus, int perSecond) {
        Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
        rooms.forEach(r -> counts.put(r, new AtomicInteger()));
        sent.put(origin, counts);
        Thread t = new Thread(() -> {
            long interval = TimeUnit.SECONDS.toNanos(1) / perSecond;
            long next = System.nanoTime();
            int i = 0;
            while (running.get()) {
                String room = rooms.get(i++ % rooms.size());
                int n = counts.get(room).getAndIncrement();
                bus.publish(room, (origin + ":" + n).getBytes(StandardCharsets.UTF_8));
                next += interval;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(wait);
                }
            }
        }, "traffic-" + origin);
        t.setDaemon(true);
        t.start();
        threads.add(t);
    }

    void stop() {
        running.set(false);
        for (Thread t : threads) {
            try {
                t.join(5_000);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
    }

    int sentTotal() {
        int n = 0;
        for (Map<String, AtomicInteger> m : sent.values()) {
            for (AtomicInteger c : m.values()) {
                n += c.get();
            }
        }
        return n;
    }

    /** Waits (up to {@code seconds}) until everything sent arrived everywhere, then checks it exactly. */
    void assertExactlyOnceInOrder(int seconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!complete() && System.nanoTime() < deadline) {
            sleep(100);
        }
        sleep(300); // a late copy would show now
        List<String> problems = new ArrayList<>();
        for (String receiver : buses.keySet()) {
            for (Map.Entry<String, Map<String, AtomicInteger>> origin : sent.entrySet()) {
                if (busOf(origin.getKey()).equals(receiver)) {
                    continue;
                }
                for (String room : rooms) {
                    int n = origin.getValue().get(room).get();
                    List<String> got = new ArrayList<>();
                    for (String m : list(receiver, room)) {
                        if (m.startsWith(origin.getKey() + ":")) {
                            got.add(m);
                        }
                    }
                    List<String> want = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        want.add(origin.getKey() + ":" + i);
                    }
                    if (!got.equals(want)) {
                        problems.add(receiver + " <- " + origin.getKey() + " in " + room + ": " + describe(want, got));
                    }
                }
            }
        }
        if (!problems.isEmpty()) {
            fail(problems.size() + " (receiver, origin, room) streams wrong, e.g. " + problems.subList(0, Math.min(5, problems.size())));
        }
        assertEquals(List.of(), problems);
    }

    /** The bus a stream comes from ({@code a} for {@code a} and {@code a/side}). */
    private static String busOf(String stream) {
        int slash = stream.indexOf('/');
        return slash < 0 ? stream : stream.substring(0, slash);
    }

    private static String describe(List<String> want, List<String> got) {
        java.util.Set<String> seen = new java.util.HashSet<>();
        int dups = 0;
        for (String g : got) {
            if (!seen.add(g)) {
                dups++;
            }
        }
        java.util.Set<String> missing = new java.util.LinkedHashSet<>(want);
        missing.removeAll(seen);
        return "sent " + want.size() + ", got " + got.size() + ", missing " + missing.size()
                + (missing.isEmpty() ? "" : " (first " + missing.iterator().next() + ")") + ", duplicates " + dups
                + (dups == 0 && missing.isEmpty() ? ", out of order" : "");
    }

    private List<String> list(String receiver, String room) {
        List<String> l = received.get(receiver).get(room);
        if (l == null) {
            return List.of();
        }
        synchronized (l) {
            return new ArrayList<>(l);
        }
    }

    private boolean complete() {
        for (String receiver : buses.keySet()) {
            int expected = 0;
            for (Map.Entry<String, Map<String, AtomicInteger>> origin : sent.entrySet()) {
                if (!busOf(origin.getKey()).equals(receiver)) {
                    for (AtomicInteger c : origin.getValue().values()) {
                        expected += c.get();
                    }
                }
            }
            int got = 0;
            for (String room : rooms) {
                got += list(receiver, room).size();
            }
            if (got < expected) {
                return false;
            }
        }
        return true;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
        buses.values().forEach(Bus::close);
    }
}
