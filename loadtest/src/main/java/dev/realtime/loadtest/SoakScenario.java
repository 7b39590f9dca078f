package dev.realtime.loadtest;

import com.auth0.jwt.algorithms.Algorithm;
import dev.realtime.protocol.ClientMessage;
import dev.realtime.protocol.Payload;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Mixed load for {@code --duration} seconds, to show that memory stays flat and nothing leaks or is
 * lost over time:
 * <ul>
 *   <li>{@code --connections} stable users, each in the big room {@code soak-big} and one of
 *       {@code --rooms} small rooms; the first {@code --publishers} of them publish at {@code --rate}
 *       in total (half to the big room, half spread over the small rooms). Every delivery to a
 *       stable user is counted: {@code lost} is what one of them should have got and did not.</li>
 *   <li>{@code --churn} users that connect, join the big room and a small room (with {@code since}
 *       after their first visit: a history recovery, checked gap-free), switch small rooms, leave,
 *       and reconnect a moment later, to the next node of {@code --url} each time.</li>
 *   <li>{@code --slow} users in the big room and the firehose room ({@link #FIREHOSE_RATE} messages
 *       of {@link #FIREHOSE_BYTES} a second, also read by stable user 0) that stop reading (4 KB
 *       socket receive buffer; replaced after each sample), so the server's slow-consumer handling
 *       runs all along.</li>
 *   <li>{@code --notify-rate} notifications per second through {@code POST /api/realtime/internal/notify}
 *       (needs {@code --api-key}) to stable and churning users, each acked with {@code notifications:read};
 *       churners get theirs live or replayed on reconnect, and all connect once more at the end.</li>
 * </ul>
 * Every {@code --sample-seconds} the servers are sampled (see {@link SoakSampler}); the report gives
 * the samples, the flat-memory verdict over the last {@code --flat-window} seconds (every sample of
 * heap after GC and RSS within 5 % of their mean), the leak reports counted in {@code --server-log}
 * files, and what was lost.
 *
 * <p>Threading: the main thread runs the schedule; a publisher thread, a notifier thread, a
 * scheduler for the churners and slow clients, and the connector's event loops do the work.
 */
final class SoakScenario {
    static final double FLAT_TOLERANCE = 0.05;
    /** The firehose room: few members (stable user 0 and the slow clients), big messages, so the slow clients fall behind fast. */
    static final int FIREHOSE_BYTES = 16 * 1024;
    static final double FIREHOSE_RATE = 10;

    private final Options o;
    private final ServerProbe server;
    private final SoakStats stats = new SoakStats();
    private final SoakConnector connector;
    private final Algorithm hs256;
    private final int rooms;
    private final int nodes;
    private final int[] stableMembers;
    private final List<SoakClient> stable = new ArrayList<>();
    private final List<SoakClient> slowClients = new ArrayList<>();
    private final SoakUser[] churners;
    private final SoakClient[] churnerConnections;
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "soak-scheduler");
        t.setDaemon(true);
        return t;
    });
    /** Sampling has its own thread: a forced GC per node takes a while and must not delay the churners. */
    private final ScheduledExecutorService sampling = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "soak-sampler");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private volatile boolean running = true;

    private SoakScenario(Options o, ServerProbe server) {
        this.o = o;
        this.server = server;
        this.connector = new SoakConnector(o.urls(), o.threads());
        this.hs256 = Algorithm.HMAC256(o.secret());
        this.rooms = o.rooms();
        this.nodes = o.urls().size();
        this.stableMembers = new int[rooms + 2];
        this.churners = new SoakUser[(int) o.churn()];
        this.churnerConnections = new SoakClient[(int) o.churn()];
    }

    static Report run(Options o, ServerProbe server) throws InterruptedException {
        return new SoakScenario(o, server).run();
    }

    private String room(int r) {
        return r == rooms ? "soak-big" : r == rooms + 1 ? "soak-firehose" : "soak-" + r;
    }

    int firehose() {
        return rooms + 1;
    }

    private int publishers() {
        return Math.max(1, Math.min(o.publishers(), Math.min(rooms, o.connections())));
    }

    private Report run() throws InterruptedException {
        Report report = new Report().put("scenario", "soak").put("nodes", o.urls().stream().map(Object::toString).toList())
                .put("durationSeconds", o.durationSeconds()).put("stableConnections", o.connections())
                .put("smallRooms", rooms).put("publishers", publishers()).put("rate", o.rate())
                .put("payloadBytes", o.payloadBytes()).put("churners", o.churn()).put("slowClients", o.slow())
                .put("notifyRate", o.notifyRate()).put("sampleSeconds", o.sampleSeconds());
        SoakSampler sampler = new SoakSampler(server);
        long leaks0 = SoakSampler.leakReports(o.serverLogs());
        Map<String, Double> before = server.metrics();
        try {
            if (!openStable()) {
                return report.put("aborted", "stable connections did not all become ready").put("errors", stats.errors());
            }
            long t0 = System.nanoTime();
            for (int c = 0; c < churners.length; c++) {
                churners[c] = new SoakUser("soak-churn-" + c, true, rooms + 2);
                int churner = c;
                scheduler.schedule(() -> cycle(churner, 0), ThreadLocalRandom.current().nextInt(2000), TimeUnit.MILLISECONDS);
            }
            // Sample, then replace the slow clients: every sample sees them at the same age (a whole
            // period without reading), so their buffers do not make the samples wobble.
            sampling.scheduleAtFixedRate(() -> {
                sampler.sample(seconds(t0));
                replaceSlowClients();
            }, 0, o.sampleSeconds(), TimeUnit.SECONDS);
            Thread publisher = thread("soak-publisher", () -> publish(t0));
            Thread notifier = thread("soak-notifier", () -> notifyUsers(t0));
            long end = t0 + TimeUnit.SECONDS.toNanos(o.durationSeconds());
            while (System.nanoTime() < end) {
                TimeUnit.SECONDS.sleep(Math.min(10, Math.max(1, TimeUnit.NANOSECONDS.toSeconds(end - System.nanoTime()))));
                progress(t0);
            }
            long endSeconds = seconds(t0);
            running = false;
            publisher.join(10_000);
            notifier.join(10_000);
            scheduler.shutdownNow();
            sampling.shutdown(); // a sample being taken finishes (interrupting it would record garbage)
            scheduler.awaitTermination(10, TimeUnit.SECONDS);
            sampling.awaitTermination(30, TimeUnit.SECONDS);
            sampler.sample(endSeconds); // the last sample of the run (the scheduler's last one may be older)
            drain();
            closeAll(slowClients);
            for (SoakClient c : churnerConnections) {
                if (c != null) {
                    c.close();
                }
            }
            collectNotifications();
            Map<String, Double> after = server.metrics();
            long leaks = SoakSampler.leakReports(o.serverLogs());
            return report(report, sampler, endSeconds, before, after, leaks0, leaks);
        } finally {
            running = false;
            scheduler.shutdownNow();
            sampling.shutdownNow();
            closeAll(stable);
            connector.close();
        }
    }

    /** Connects the stable users (node {@code k % nodes}) and waits until all joined. */
    private boolean openStable() throws InterruptedException {
        int p = publishers();
        List<CompletableFuture<SoakClient>> ready = new ArrayList<>();
        for (int k = 0; k < o.connections(); k++) {
            List<String> mine = new ArrayList<>(List.of(room(rooms), room(k % rooms)));
            stableMembers[rooms]++;
            stableMembers[k % rooms]++;
            if (k == o.connections() - 1) { // a reader only: the publishers have enough to do
                mine.add(room(firehose()));
                stableMembers[firehose()]++;
            }
            if (k < p) {
                for (int r = k; r < rooms; r += p) {
                    if (r != k % rooms) {
                        mine.add(room(r));
                        stableMembers[r]++;
                    }
                }
            }
            SoakClient c = new SoakClient(new SoakUser("soak-stable-" + k, false, rooms + 2), mine, stats);
            stable.add(c);
            connector.connect(c, k % nodes, Tokens.sign(hs256, c.user.userId));
            ready.add(c.ready);
        }
        try {
            CompletableFuture.allOf(ready.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return false;
        }
        if (nodes > 1) {
            TimeUnit.SECONDS.sleep(1); // the bus subscriptions of the other nodes settle
        }
        return true;
    }

    /** One churn cycle of churner {@code c}: connect (to the next node), recover, switch rooms, leave, come back. */
    private void cycle(int c, int n) {
        if (!running) {
            return;
        }
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        SoakUser u = churners[c];
        int first = (c + n) % rooms;
        int second = (c + n + 1) % rooms;
        SoakClient client = new SoakClient(u, List.of(room(rooms), room(first)), stats);
        churnerConnections[c] = client;
        connector.connect(client, (c + n) % nodes, Tokens.sign(hs256, u.userId));
        client.ready.whenComplete((ok, error) -> {
            if (error != null) {
                stats.error("churn_connect_" + error.getClass().getSimpleName());
                client.close();
                later(() -> cycle(c, n + 1), 1000 + rnd.nextInt(2000));
                return;
            }
            stats.churnCycles.increment();
            long hold = 2000 + rnd.nextInt(4000);
            if (second != first) { // with one small room there is nothing to switch to (leaving and joining it again
                // would record the events in flight as a gap in the recovery check)
                later(() -> client.channel().eventLoop().execute(() -> {
                    client.leave(room(first));
                    client.join(room(second));
                    stats.roomSwitches.increment();
                }), hold / 2);
            }
            later(() -> {
                client.close();
                later(() -> cycle(c, n + 1), 500 + rnd.nextInt(1500));
            }, hold);
        });
    }

    private void later(Runnable task, long millis) {
        if (running) {
            try {
                scheduler.schedule(task, millis, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                // the run is over
            }
        }
    }

    /** Closes the slow clients and opens new ones: they join the big room, then never read again. */
    private void replaceSlowClients() {
        List<SoakClient> old;
        synchronized (slowClients) {
            old = new ArrayList<>(slowClients);
            slowClients.clear();
        }
        closeAll(old);
        if (!running) {
            return;
        }
        for (int i = 0; i < o.slow(); i++) {
            SoakClient c = new SoakClient(new SoakUser("soak-slow-" + i, false, 0),
                    List.of(room(rooms), room(firehose())), stats);
            connector.connect(c, i % nodes, Tokens.sign(hs256, c.user.userId), 4096); // a small window fills fast
            c.ready.whenComplete((ok, e) -> {
                if (e == null) {
                    c.channel().config().setAutoRead(false); // stops reading: the server must cope
                    stats.slowClients.increment();
                }
            });
            synchronized (slowClients) {
                slowClients.add(c);
            }
        }
    }

    /** Open loop at {@code --rate}: even messages to the big room, odd ones round the small rooms. */
    private void publish(long t0) {
        double period = 1e9 / o.rate();
        long[] seq = new long[rooms + 2];
        int p = publishers();
        long everyFirehose = Math.max(1, Math.round(o.rate() / FIREHOSE_RATE));
        for (long i = 0; running; i++) {
            long due = t0 + (long) (i * period);
            long wait = due - System.nanoTime();
            if (wait > 20_000) {
                LockSupport.parkNanos(wait - 10_000);
            }
            if (i % everyFirehose == 0) {
                publishTo(firehose(), stable.get(o.connections() - 1), due, seq, FIREHOSE_BYTES);
            }
            int r = i % 2 == 0 ? rooms : (int) ((i / 2) % rooms);
            publishTo(r, stable.get(r == rooms ? 0 : r % p), due, seq, o.payloadBytes());
        }
    }

    private void publishTo(int r, SoakClient from, long due, long[] seq, int bytes) {
        byte[] data = Probe.encode(due, r, seq[r]++, bytes);
        from.send(new ClientMessage.Publish(null, room(r), SoakClient.EVENT, Payload.json(data)));
        stats.sent.increment();
        stats.expected.add(stableMembers[r]);
        stats.expectedIn(kind(r), stableMembers[r]);
    }

    /** Which kind of room index {@code r} is, for the report. */
    private String kind(int r) {
        return r == rooms ? "big" : r == firehose() ? "firehose" : "small";
    }

    /** At {@code --notify-rate}: to stable and churning users in turn, through the nodes in turn. */
    private void notifyUsers(long t0) {
        if (o.notifyRate() <= 0) {
            return;
        }
        double period = 1e9 / o.notifyRate();
        for (long n = 0; running; n++) {
            long wait = t0 + (long) (n * period) - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            String user = n % 2 == 0 || churners.length == 0 ? "soak-stable-" + (n / 2) % o.connections()
                    : "soak-churn-" + (n / 2) % churners.length;
            URI url = o.urls().get((int) (n % nodes));
            String scheme = "wss".equals(url.getScheme()) ? "https" : "http";
            HttpRequest req = HttpRequest.newBuilder(URI.create(scheme + "://" + url.getHost() + ":" + url.getPort()
                            + "/api/realtime/internal/notify"))
                    .header("internal-api-key", o.apiKey()).header("Content-Type", "application/json")
                    .timeout(Duration.ofSeconds(10))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"userIds\":[\"" + user + "\"],\"payload\":{\"soak\":" + n + "}}"))
                    .build();
            http.sendAsync(req, HttpResponse.BodyHandlers.discarding()).whenComplete((res, e) -> {
                if (e != null) {
                    stats.error("notify_" + e.getClass().getSimpleName());
                } else if (res.statusCode() == 202) {
                    stats.notificationsPosted.increment();
                } else {
                    stats.error("notify_http_" + res.statusCode());
                }
            });
        }
    }

    /** Waits until the stable users got every publish, or nothing arrived for 5 s (at most 60 s). */
    private void drain() throws InterruptedException {
        FanoutScenario.awaitCount(() -> stats.delivered.sum() - stats.duplicates.sum(), stats.expected::sum, 60, 5);
    }

    /**
     * Every notified user connects once more (the stable ones after closing their connection): what
     * did not reach a connection live (the user was away, or its live copy was dropped because that
     * connection fell behind) is replayed from the inbox and acked. A notification is lost only if
     * it never arrives at all.
     */
    private void collectNotifications() throws InterruptedException {
        List<SoakClient> last = new ArrayList<>();
        closeAll(stable);
        TimeUnit.MILLISECONDS.sleep(500); // the servers see the old connections go
        List<SoakUser> users = new ArrayList<>();
        stable.forEach(c -> users.add(c.user));
        users.addAll(List.of(churners));
        for (int i = 0; i < users.size(); i++) {
            SoakClient client = new SoakClient(users.get(i), List.of(), stats);
            connector.connect(client, i % nodes, Tokens.sign(hs256, users.get(i).userId));
            last.add(client);
        }
        FanoutScenario.awaitCount(stats::notificationsReceived, stats.notificationsPosted::sum, 15, 5);
        closeAll(last);
    }

    private void progress(long t0) {
        System.out.printf("[%5ds] sent %d, delivered %d/%d, churn cycles %d, recoveries %d (+%d not recovered),"
                        + " notifications %d/%d acked %d, errors %s%n", seconds(t0), stats.sent.sum(),
                stats.delivered.sum() - stats.duplicates.sum(), stats.expected.sum(), stats.churnCycles.sum(),
                stats.recoveries.sum(), stats.recoveriesFailed.sum(), stats.notificationsReceived(),
                stats.notificationsPosted.sum(), stats.acked.sum(), stats.errors());
    }

    private Report report(Report r, SoakSampler sampler, long endSeconds, Map<String, Double> before,
                          Map<String, Double> after, long leaks0, long leaks) {
        long expected = stats.expected.sum();
        long unique = stats.delivered.sum() - stats.duplicates.sum();
        long lost = Math.max(0, expected - unique);
        long posted = stats.notificationsPosted.sum();
        long notificationsLost = Math.max(0, posted - stats.notificationsReceived());
        long window = Math.min(o.flatWindowSeconds(), endSeconds);
        Map<String, Object> memory = sampler.verdict(endSeconds, window, FLAT_TOLERANCE);
        Long leakCount = leaks < 0 ? null : leaks - Math.max(0, leaks0);
        boolean flat = memory.values().stream().allMatch(v -> Boolean.TRUE.equals(((Map<?, ?>) v).get("flat")));
        List<String> failures = new ArrayList<>();
        if (!flat) {
            failures.add("memory not flat (or not enough samples) over the last " + window + " s");
        }
        if (leakCount == null) {
            failures.add("leaks not checked (give --server-log)");
        } else if (leakCount > 0) {
            failures.add(leakCount + " leak report(s)");
        }
        if (lost > 0) {
            failures.add(lost + " deliveries lost");
        }
        if (notificationsLost > 0) {
            failures.add(notificationsLost + " notifications lost");
        }
        if (stats.recoveryGaps.sum() > 0) {
            failures.add(stats.recoveryGaps.sum() + " recoveries with gaps");
        }
        Map<String, Object> recoveries = new LinkedHashMap<>();
        recoveries.put("recovered", stats.recoveries.sum());
        recoveries.put("notRecovered", stats.recoveriesFailed.sum());
        recoveries.put("withGaps", stats.recoveryGaps.sum());
        recoveries.put("replayedEvents", stats.replayed.sum());
        return r.put("verdict", failures.isEmpty() ? "PASS" : "FAIL").put("failures", failures)
                .put("sent", stats.sent.sum()).put("expectedDeliveries", expected).put("delivered", unique)
                .put("lost", lost).put("lostByRoom", stats.lostByKind()).put("duplicates", stats.duplicates.sum())
                .put("notificationsPosted", posted).put("notificationsReceived", stats.notificationsReceived())
                .put("notificationsLost", notificationsLost).put("notificationAcks", stats.acked.sum())
                .put("connects", stats.connects.sum()).put("churnCycles", stats.churnCycles.sum())
                .put("roomSwitches", stats.roomSwitches.sum()).put("slowClientsOpened", stats.slowClients.sum())
                .put("recoveries", recoveries)
                .put("serverSlowConsumerDrops", delta(before, after, "realtime_dropped_deliveries_total{reason=\"slow_consumer\",}"))
                .put("serverSlowConsumerDisconnects", delta(before, after, "realtime_slow_consumer_disconnects_total"))
                .put("leakReports", leakCount).put("flatWindowSeconds", window).put("memory", memory)
                .put("samples", sampler.samples().stream().map(SoakSampler.Sample::toMap).toList())
                .put("errors", stats.errors());
    }

    private static double delta(Map<String, Double> before, Map<String, Double> after, String name) {
        return after.getOrDefault(name, 0.0) - before.getOrDefault(name, 0.0);
    }

    private static long seconds(long t0) {
        return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
    }

    private static Thread thread(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void closeAll(List<SoakClient> clients) {
        clients.forEach(SoakClient::close);
    }
}
