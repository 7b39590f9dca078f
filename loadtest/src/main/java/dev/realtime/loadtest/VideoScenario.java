package dev.realtime.loadtest;

import io.netty.channel.Channel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Seed 004's live stream: {@code --connections} viewers join video {@code bench} and its chat with
 * the seed's emits ({@code video:join}, {@code chat:join}); {@code --publishers} of them chat at
 * {@code --rate} messages/s in total ({@code chat:message}, open loop, one message a second per
 * chatter by default, within the seeds' per-user chat limit); {@code --churn} more connections join
 * and leave the video room at that many joins/s (and as many leaves), so the viewer count keeps
 * moving. Reports chat deliveries/s and latency like {@code fanout} (every viewer gets every message,
 * its own included), the count events the viewers received ({@code video:viewers},
 * {@code chat:user-count}) and the server CPU spent counting ({@code realtime_room_counts_cpu_seconds},
 * summed over the nodes) next to the server's total.
 *
 * <p>Each chatter's messages carry its own sequence ({@code r} = chatter index), so duplicates and
 * losses are checked per chatter: messages of different chatters may interleave differently on
 * different connections. Several nodes ({@code --url a,b}): viewers, chatters and churners are dealt
 * round-robin over them.
 */
final class VideoScenario {
    static final String VIDEO_ID = "bench";
    static final String COUNTS_CPU = "realtime_room_counts_cpu_seconds";

    private VideoScenario() {
    }

    static Report run(Options o, ProtocolAdapter adapter, Stats stats, ServerProbe server) throws InterruptedException {
        int viewers = o.connections();
        int chatters = o.publishers();
        int churners = o.churn() > 0 ? (int) Math.max(2, Math.ceil(o.churn())) : 0;
        int nodes = o.urls().size();
        AtomicLong measureFrom = new AtomicLong(Long.MAX_VALUE);
        LoadConnection.Run run = new LoadConnection.Run() {
            @Override
            public long measureFromNanos() {
                return measureFrom.get();
            }

            @Override
            public int publisherNode(int chatter) {
                return chatter % nodes;
            }
        };
        byte[] idJson = ("{\"videoId\":\"" + VIDEO_ID + "\"}").getBytes(StandardCharsets.US_ASCII);
        LoadConnection.JoinRequest viaEmits = (alloc, room, id) ->
                adapter.emit(alloc, room.startsWith("video:") ? "video:join" : "chat:join", idJson, id);
        List<String> rooms = List.of("video:" + VIDEO_ID, "chat:" + VIDEO_ID);
        Report report = new Report().put("scenario", "video").put("protocol", adapter.name())
                .put("viewers", viewers).put("chatters", chatters).put("chatRate", o.rate())
                .put("churnJoinsPerSec", o.churn()).put("churnConnections", churners)
                .put("payloadBytes", o.payloadBytes()).put("durationSeconds", o.durationSeconds())
                .put("warmupSeconds", o.warmupSeconds());
        if (nodes > 1) {
            report.put("nodes", o.urls().stream().map(Object::toString).toList());
        }
        try (Fleet fleet = new Fleet(o, adapter, stats); Progress progress = new Progress(stats, viewers + churners)) {
            fleet.open(viewers + churners, i -> new LoadConnection(i, i % nodes, i < viewers ? rooms : List.of(), -1,
                    adapter, stats, run, viaEmits), Math.max(60, (viewers + churners) / 200));
            int ready = fleet.ready().size();
            if (ready < viewers + churners) {
                return report.put("aborted", "only " + ready + " of " + (viewers + churners) + " connections became ready")
                        .put("errors", stats.errors());
            }
            Channel[] chat = new Channel[chatters];
            for (int c = 0; c < chatters; c++) {
                chat[c] = fleet.connections.get(c).channel();
            }
            Channel[] churn = new Channel[churners];
            for (int c = 0; c < churners; c++) {
                churn[c] = fleet.connections.get(viewers + c).channel();
            }
            if (nodes > 1) {
                TimeUnit.MILLISECONDS.sleep(FanoutScenario.SETTLE_MILLIS);
            }
            double cpu0 = server.cpuSeconds();
            double counts0 = server.metrics().getOrDefault(COUNTS_CPU, -1.0);
            long countEvents0 = stats.countEvents.sum();
            long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
            measureFrom.set(start + TimeUnit.SECONDS.toNanos(o.warmupSeconds()));
            long end = start + TimeUnit.SECONDS.toNanos(o.durationSeconds());
            AtomicBoolean stop = new AtomicBoolean();
            Thread churnThread = new Thread(() -> churn(adapter, stats, churn, o.churn(), idJson, start, end, stop), "churn");
            churnThread.setDaemon(true);
            churnThread.start();
            chat(o, adapter, stats, chat, viewers, start, end);
            stop.set(true);
            churnThread.join(5_000);
            FanoutScenario.drain(stats, 15);
            double cpu1 = server.cpuSeconds();
            double counts1 = server.metrics().getOrDefault(COUNTS_CPU, -1.0);
            long measuredNanos = end - measureFrom.get();
            long delivered = stats.delivered.sum();
            long duplicates = stats.duplicates.sum();
            long expected = stats.expected.sum();
            double seconds = (end - start) / 1e9;
            report.put("sent", stats.sent.sum()).put("expectedDeliveries", expected).put("delivered", delivered)
                    .put("lost", Math.max(0, expected - (delivered - duplicates))).put("duplicates", duplicates)
                    .put("deliveriesPerSec", Report.round(stats.measuredDelivered.sum() / (measuredNanos / 1e9), 0))
                    .put("latencyMs", Report.percentilesMs(stats.latencyTotal()))
                    .put("countEventsReceived", stats.countEvents.sum() - countEvents0)
                    .put("countEventsPerSec", Report.round((stats.countEvents.sum() - countEvents0) / seconds, 0));
            if (cpu0 >= 0) {
                report.put("serverCpuSeconds", Report.round(cpu1 - cpu0, 2));
            }
            if (counts0 >= 0 && counts1 >= 0) {
                double counting = counts1 - counts0;
                report.put("viewerCountCpuSeconds", Report.round(counting, 3))
                        .put("viewerCountCpuPercentOfServer", cpu0 >= 0 && cpu1 > cpu0
                                ? Report.round(100 * counting / (cpu1 - cpu0), 2) : null);
            }
            return report.put("errors", stats.errors());
        }
    }

    /** Open loop: message i is due at {@code start + i/rate}, from chatter {@code i % chatters}. */
    private static void chat(Options o, ProtocolAdapter adapter, Stats stats, Channel[] chatters, int viewers,
                             long start, long end) {
        double period = 1e9 / o.rate();
        long[] seq = new long[chatters.length];
        String prefix = "{\"videoId\":\"" + VIDEO_ID + "\",\"message\":\"";
        for (long i = 0; ; i++) {
            long intended = start + (long) (i * period);
            if (intended - end >= 0) {
                return;
            }
            FanoutScenario.waitUntil(intended);
            int c = (int) (i % chatters.length);
            Channel ch = chatters[c];
            if (!ch.isActive()) {
                stats.error("chatter_closed");
                continue;
            }
            String text = Probe.chatText(intended, c, seq[c]++, Math.max(16, o.payloadBytes()));
            byte[] data = (prefix + text + "\"}").getBytes(StandardCharsets.US_ASCII);
            ch.writeAndFlush(adapter.emit(ch.alloc(), "chat:message", data, null), ch.voidPromise());
            stats.sent.increment();
            stats.expected.add(viewers);
        }
    }

    /** {@code joinsPerSec} joins and as many leaves: churner {@code k} toggles at every {@code 1/(2*rate)} s in turn. */
    private static void churn(ProtocolAdapter adapter, Stats stats, Channel[] churners, double joinsPerSec, byte[] idJson,
                              long start, long end, AtomicBoolean stop) {
        if (churners.length == 0) {
            return;
        }
        boolean[] in = new boolean[churners.length];
        double period = 1e9 / (2 * joinsPerSec);
        for (long i = 0; !stop.get(); i++) {
            long due = start + (long) (i * period);
            if (due - end >= 0) {
                return;
            }
            FanoutScenario.waitUntil(due);
            int k = (int) (i % churners.length);
            Channel ch = churners[k];
            if (!ch.isActive()) {
                stats.error("churner_closed");
                continue;
            }
            ch.writeAndFlush(adapter.emit(ch.alloc(), in[k] ? "video:leave" : "video:join", idJson, null), ch.voidPromise());
            in[k] = !in[k];
        }
    }
}
