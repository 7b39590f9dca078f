package dev.realtime.cluster;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.testing.WsClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Numbered room traffic between real WebSocket clients on several nodes: each publisher client sends
 * {@code {"from":<name>,"n":k}} to its room at a fixed rate (no {@code id}: no reply), each receiver
 * client records every {@code m} event, and {@link #assertExactlyOnceInOrder} checks that each
 * receiver got every publisher's messages in each of its rooms once, in order.
 *
 * <p>Threading: one thread per publisher and per receiver; results in concurrent maps.
 */
final class ClientTraffic implements AutoCloseable {
    private record Publisher(String name, String room, WsClient client, AtomicInteger sent) {
    }

    private final List<Publisher> publishers = new ArrayList<>();
    /** receiver -> "room/from" -> numbers in arrival order. */
    private final Map<String, Map<String, List<Integer>>> received = new ConcurrentHashMap<>();
    private final Map<String, List<String>> receiverRooms = new LinkedHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean publishing = new AtomicBoolean();

    /** {@code client} (already in {@code room}) publishes there. */
    void publisher(String name, String room, WsClient client) {
        publishers.add(new Publisher(name, room, client, new AtomicInteger()));
    }

    /** {@code client} (already in {@code rooms}) records what arrives. */
    void receiver(String name, List<String> rooms, WsClient client) {
        receiverRooms.put(name, List.copyOf(rooms));
        Map<String, List<Integer>> byStream = new ConcurrentHashMap<>();
        received.put(name, byStream);
        Thread t = new Thread(() -> {
            while (running.get()) {
                JsonNode m = client.poll(Duration.ofMillis(100));
                if (m != null && "event".equals(m.path("op").asText()) && "m".equals(m.path("event").asText())) {
                    String key = m.path("room").asText() + "/" + m.path("data").path("from").asText();
                    byStream.computeIfAbsent(key, k -> java.util.Collections.synchronizedList(new ArrayList<>()))
                            .add(m.path("data").path("n").asInt());
                }
            }
        }, "receiver-" + name);
        t.setDaemon(true);
        t.start();
        threads.add(t);
    }

    /** Every publisher sends {@code perSecond} messages a second until {@link #stopPublishing}. */
    void startPublishing(int perSecond) {
        publishing.set(true);
        for (Publisher p : publishers) {
            Thread t = new Thread(() -> {
                long interval = TimeUnit.SECONDS.toNanos(1) / perSecond;
                long next = System.nanoTime();
                while (publishing.get()) {
                    int n = p.sent().get();
                    p.client().send("{\"op\":\"publish\",\"room\":" + WsClient.quote(p.room())
                            + ",\"event\":\"m\",\"data\":{\"from\":\"" + p.name() + "\",\"n\":" + n + "}}");
                    p.sent().incrementAndGet();
                    next += interval;
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(wait);
                    }
                }
            }, "publisher-" + p.name());
            t.setDaemon(true);
            t.start();
        }
    }

    void stopPublishing() {
        publishing.set(false);
        try {
            Thread.sleep(100); // the last sends complete
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    int sent() {
        return publishers.stream().mapToInt(p -> p.sent().get()).sum();
    }

    private List<Integer> got(String receiver, String stream) {
        List<Integer> l = received.get(receiver).get(stream);
        if (l == null) {
            return List.of();
        }
        synchronized (l) {
            return new ArrayList<>(l);
        }
    }

    private boolean complete() {
        for (String r : receiverRooms.keySet()) {
            for (Publisher p : publishers) {
                if (receiverRooms.get(r).contains(p.room()) && got(r, p.room() + "/" + p.name()).size() < p.sent().get()) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Waits up to {@code seconds} for every message everywhere, then checks exactly once, in order. */
    void assertExactlyOnceInOrder(int seconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!complete() && System.nanoTime() < deadline) {
            sleep(100);
        }
        sleep(300);
        List<String> problems = new ArrayList<>();
        for (String r : receiverRooms.keySet()) {
            for (Publisher p : publishers) {
                if (!receiverRooms.get(r).contains(p.room())) {
                    continue;
                }
                List<Integer> got = got(r, p.room() + "/" + p.name());
                int n = p.sent().get();
                boolean ok = got.size() == n;
                for (int i = 0; ok && i < n; i++) {
                    ok = got.get(i) == i;
                }
                if (!ok) {
                    long distinct = got.stream().distinct().count();
                    problems.add(r + " <- " + p.name() + " in " + p.room() + ": sent " + n + ", got " + got.size()
                            + " (" + distinct + " distinct)");
                }
            }
        }
        if (!problems.isEmpty()) {
            fail(problems.size() + " streams wrong, e.g. " + problems.subList(0, Math.min(5, problems.size())));
        }
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
        publishing.set(false);
        running.set(false);
        for (Thread t : threads) {
            try {
                t.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
