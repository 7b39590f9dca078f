package dev.realtime.loadtest;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The harness's command line, parsed and validated once. Option names are a contract (scripts and
 * CI call them): {@code --url --secret --connections --rooms --rate --payload-bytes --duration
 * --ramp --codec --source-addresses --out}, plus {@code --publishers --warmup --threads
 * --server-pid --redis-pid --protocol}, and for {@code soak} {@code --api-key --server-log
 * --sample-seconds --flat-window --churn --slow --notify-rate}.
 *
 * <p>{@code --url} may list several nodes of one cluster, comma-separated; connections are spread
 * over them (see {@link FanoutScenario#nodeOf}). {@link #url()} is the first node, {@link #urls()}
 * all of them. {@code --server-pid} likewise takes one pid per node; their CPU is summed.
 * {@code --redis-pid} takes one pid per Redis process (a Redis Cluster's primaries): CPU is reported
 * in total and per process. {@code --kill-pid P --kill-after S} kills process P (SIGKILL, e.g. a Redis
 * primary) S seconds into publishing and reports how long each room went without a cross-node delivery.
 */
public record Options(
        String scenario,
        URI url,
        List<URI> urls,
        String secret,
        int connections,
        int rooms,
        int publishers,
        double rate,
        int payloadBytes,
        int durationSeconds,
        int warmupSeconds,
        double ramp,
        String codec,
        String protocol,
        int sourceAddresses,
        int threads,
        List<Long> serverPids,
        long redisPid,
        String out,
        // soak
        String apiKey,
        List<String> serverLogs,
        int sampleSeconds,
        int flatWindowSeconds,
        double churn,
        int slow,
        double notifyRate,
        // quiz
        int thinkMillis,
        // Redis Cluster runs: per-primary Redis CPU, a process killed mid-run
        List<Long> redisPids,
        long killPid,
        double killAfterSeconds,
        // notify: how notifications reach the server
        String via,
        String kafkaBrokers,
        String topic) {

    static final List<String> SCENARIOS = List.of("connect", "fanout", "idle", "video", "soak", "quiz", "notify");

    /** Parses {@code args}; throws {@link IllegalArgumentException} with a clear message on bad input. */
    static Options parse(String[] args) {
        if (args.length == 0 || args[0].startsWith("-")) {
            throw new IllegalArgumentException("first argument must be a scenario: " + SCENARIOS);
        }
        String scenario = args[0].toLowerCase(Locale.ROOT);
        if (!SCENARIOS.contains(scenario)) {
            throw new IllegalArgumentException("unknown scenario '" + args[0] + "'; expected one of " + SCENARIOS);
        }
        List<URI> urls = List.of(URI.create("ws://127.0.0.1:8080/ws"));
        String secret = null;
        int connections = 1000;
        int rooms = 1;
        int publishers = -1;
        double rate = 1000;
        int payload = 64;
        int duration = 30;
        int warmup = 3;
        double ramp = 0;
        String codec = "json";
        String protocol = "native";
        int sources = 1;
        int threads = Runtime.getRuntime().availableProcessors();
        List<Long> pids = List.of();
        long redisPid = -1;
        List<Long> redisPids = List.of();
        long killPid = -1;
        double killAfter = 0;
        String out = null;
        String apiKey = null;
        List<String> serverLogs = List.of();
        int sampleSeconds = 60;
        int flatWindow = 600;
        double churn = -1; // scenario default: video 0 joins/s, soak 50 users
        int slow = 5;
        double notifyRate = 20;
        int think = 0;
        String via = "http";
        String kafkaBrokers = null;
        String topic = NotifyScenario.DEFAULT_TOPIC;
        List<String> problems = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            String name = args[i];
            if (!name.startsWith("--")) {
                problems.add("unexpected argument '" + name + "'");
                continue;
            }
            if (i + 1 >= args.length) {
                problems.add(name + " needs a value");
                break;
            }
            String v = args[++i];
            try {
                switch (name) {
                    case "--url" -> {
                        List<String> bad = new ArrayList<>();
                        urls = parseUrls(v, bad);
                        if (!bad.isEmpty()) {
                            problems.addAll(bad);
                            urls = List.of(URI.create("ws://127.0.0.1:8080/ws"));
                        }
                    }
                    case "--secret" -> secret = v;
                    case "--connections" -> connections = Integer.parseInt(v);
                    case "--rooms" -> rooms = Integer.parseInt(v);
                    case "--publishers" -> publishers = Integer.parseInt(v);
                    case "--rate" -> rate = Double.parseDouble(v);
                    case "--payload-bytes" -> payload = Integer.parseInt(v);
                    case "--duration" -> duration = Integer.parseInt(v);
                    case "--warmup" -> warmup = Integer.parseInt(v);
                    case "--ramp" -> ramp = Double.parseDouble(v);
                    case "--codec" -> codec = v.toLowerCase(Locale.ROOT);
                    case "--protocol" -> protocol = v.toLowerCase(Locale.ROOT);
                    case "--source-addresses" -> sources = Integer.parseInt(v);
                    case "--threads" -> threads = Integer.parseInt(v);
                    case "--server-pid" -> pids = parsePids(v);
                    case "--redis-pid" -> {
                        redisPids = parsePids(v);
                        redisPid = redisPids.get(0);
                    }
                    case "--kill-pid" -> killPid = Long.parseLong(v);
                    case "--kill-after" -> killAfter = Double.parseDouble(v);
                    case "--out" -> out = v;
                    case "--api-key" -> apiKey = v;
                    case "--server-log" -> serverLogs = List.of(v.split(","));
                    case "--sample-seconds" -> sampleSeconds = Integer.parseInt(v);
                    case "--flat-window" -> flatWindow = Integer.parseInt(v);
                    case "--churn" -> churn = Double.parseDouble(v);
                    case "--slow" -> slow = Integer.parseInt(v);
                    case "--notify-rate" -> notifyRate = Double.parseDouble(v);
                    case "--think-ms" -> think = Integer.parseInt(v);
                    case "--via" -> via = v.toLowerCase(Locale.ROOT);
                    case "--kafka-brokers" -> kafkaBrokers = v;
                    case "--topic" -> topic = v;
                    default -> problems.add("unknown option " + name);
                }
            } catch (IllegalArgumentException e) {
                problems.add(name + " '" + v + "' is not a valid value");
            }
        }
        if (publishers < 0) {
            // video: one chat message per second per chatter, within the seeds' 100 a minute per user
            publishers = scenario.equals("video") ? (int) Math.min(connections, Math.max(1, Math.ceil(rate)))
                    : Math.min(rooms, 16);
        }
        if (churn < 0) {
            churn = scenario.equals("soak") ? 50 : 0;
        }
        Options o = new Options(scenario, urls.get(0), urls, secret, connections, rooms, publishers, rate, payload,
                duration, warmup, ramp, codec, protocol, sources, threads, pids, redisPid, out,
                apiKey, serverLogs, sampleSeconds, flatWindow, churn, slow, notifyRate, think, redisPids, killPid,
                killAfter, via, kafkaBrokers, topic);
        problems.addAll(o.problems());
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", problems));
        }
        return o;
    }

    /**
     * Splits a comma-separated {@code --url} into ws:// or wss:// URIs, each with a host; the reasons
     * for every bad entry go to {@code problems} (naming the entry, so a typo in the third node of a
     * list is found at once).
     */
    static List<URI> parseUrls(String value, List<String> problems) {
        List<URI> out = new ArrayList<>();
        String[] parts = value.split(",", -1);
        for (int i = 0; i < parts.length; i++) {
            String raw = parts[i].trim();
            String which = parts.length == 1 ? "--url" : "--url entry " + (i + 1) + " of " + parts.length;
            if (raw.isEmpty()) {
                problems.add(which + " is empty (expected ws://host:port/path, several separated by commas)");
                continue;
            }
            URI u;
            try {
                u = new URI(raw);
            } catch (java.net.URISyntaxException e) {
                problems.add(which + " '" + raw + "' is not a valid URI: " + e.getReason());
                continue;
            }
            if (!"ws".equals(u.getScheme()) && !"wss".equals(u.getScheme())) {
                problems.add(which + " '" + raw + "' must be ws:// or wss://");
            } else if (u.getHost() == null) {
                problems.add(which + " '" + raw + "' has no host (expected ws://host:port/path)");
            } else if (out.contains(u)) {
                problems.add(which + " '" + raw + "' is listed twice");
            } else {
                out.add(u);
            }
        }
        return out;
    }

    private static List<Long> parsePids(String value) {
        List<Long> out = new ArrayList<>();
        for (String p : value.split(",", -1)) {
            out.add(Long.parseLong(p.trim()));
        }
        return List.copyOf(out);
    }

    private List<String> soakProblems() {
        List<String> p = new ArrayList<>();
        if (notifyRate > 0 && (apiKey == null || apiKey.isEmpty())) {
            p.add("--api-key is required for soak notifications (the server's INTERNAL_API_KEY), or --notify-rate 0");
        }
        if (notifyRate < 0 || notifyRate > 10_000) {
            p.add("--notify-rate must be in [0, 10000] per second");
        }
        if (sampleSeconds < 1 || sampleSeconds > 3600) {
            p.add("--sample-seconds must be 1..3600");
        }
        if (flatWindowSeconds < 1) {
            p.add("--flat-window must be at least 1 second");
        }
        if (churn < 0 || slow < 0) {
            p.add("--churn and --slow must be >= 0");
        }
        if (rooms > connections) {
            p.add("--rooms must not exceed --connections (every small room has stable members)");
        }
        return p;
    }

    private List<String> problems() {
        List<String> p = new ArrayList<>();
        if (secret == null || secret.isEmpty()) {
            p.add("--secret is required (the server's JWT_SECRET; the harness signs its own HS256 tokens)");
        }
        if (!serverPids.isEmpty() && serverPids.size() != urls.size()) {
            p.add("--server-pid lists " + serverPids.size() + " pid(s) but --url lists " + urls.size()
                    + " node(s): give one pid per node, in the same order");
        }
        if (connections < 1) {
            p.add("--connections must be at least 1");
        }
        if (rooms < 1 || rooms > connections) {
            p.add("--rooms must be between 1 and --connections (" + connections + ")");
        }
        if (scenario.equals("fanout") && (publishers < 1 || publishers > Math.min(rooms, connections))) {
            p.add("--publishers must be between 1 and --rooms");
        }
        if (scenario.equals("video") && (publishers < 1 || publishers > connections)) {
            p.add("--publishers (chatters) must be between 1 and --connections");
        }
        if (churn < 0 || churn > 100_000) {
            p.add("--churn must be in [0, 100000] joins/s");
        }
        if (rate <= 0 || rate > 10_000_000) {
            p.add("--rate must be in (0, 10000000] messages/s");
        }
        if (payloadBytes < 0 || payloadBytes > 1_000_000) {
            p.add("--payload-bytes must be in [0, 1000000]");
        }
        if (durationSeconds < 1 || durationSeconds > 3600) {
            p.add("--duration must be 1..3600 seconds");
        }
        if (scenario.equals("quiz") && connections < 2) {
            p.add("--connections must be at least 2 for quiz (players play 1v1)");
        }
        if (thinkMillis < 0 || thinkMillis > 60_000) {
            p.add("--think-ms must be 0..60000");
        }
        if (warmupSeconds < 0 || warmupSeconds >= durationSeconds && (scenario.equals("fanout") || scenario.equals("quiz") || scenario.equals("video"))) {
            p.add("--warmup must be >= 0 and shorter than --duration");
        }
        if (killPid > 0 && (killAfterSeconds <= 0 || killAfterSeconds >= durationSeconds)) {
            p.add("--kill-after must be between 0 and --duration (seconds into publishing)");
        }
        if (killPid <= 0 && killAfterSeconds != 0) {
            p.add("--kill-after needs --kill-pid");
        }
        if (ramp < 0) {
            p.add("--ramp must be >= 0 (0 = as fast as possible)");
        }
        if (!codec.equals("json") && !codec.equals("binary")) {
            p.add("--codec must be json or binary");
        }
        if (!protocol.equals("native") && !protocol.equals("socketio")) {
            p.add("--protocol must be native or socketio");
        }
        if (scenario.equals("soak")) {
            p.addAll(soakProblems());
        }
        if (scenario.equals("notify")) {
            if (!via.equals("http") && !via.equals("kafka")) {
                p.add("--via must be http or kafka");
            } else if (via.equals("http") && (apiKey == null || apiKey.isEmpty())) {
                p.add("--api-key is required for notify --via http (the server's INTERNAL_API_KEY)");
            } else if (via.equals("kafka") && (kafkaBrokers == null || !kafkaBrokers.matches("[^,\\s:]+:\\d+(,[^,\\s:]+:\\d+)*"))) {
                p.add("--kafka-brokers host:port[,host:port] is required for notify --via kafka (the server's KAFKA_BROKERS)");
            }
            if (topic == null || topic.isBlank()) {
                p.add("--topic must name a Kafka topic or HTTP event source the server routes to user notifications");
            }
        }
        if (sourceAddresses < 1 || sourceAddresses > 254) {
            p.add("--source-addresses must be 1..254");
        }
        if (threads < 1 || threads > 256) {
            p.add("--threads must be 1..256");
        }
        long fdLimit = Limits.openFilesLimit();
        long sockets = connections + (churn > 0 ? (long) Math.max(2, Math.ceil(churn)) : 0);
        if (fdLimit > 0 && sockets + 64L > fdLimit) {
            p.add("--connections " + connections + " needs more file descriptors than this process may open ("
                    + fdLimit + "): raise it first, e.g. `ulimit -n " + (sockets + 1024) + "`");
        }
        long ports = Limits.ephemeralPorts();
        if (ports > 0 && connections > ports * sourceAddresses) {
            p.add("--connections " + connections + " exceeds " + ports + " ephemeral ports x " + sourceAddresses
                    + " source address(es): use --source-addresses " + (connections / ports + 1));
        }
        return p;
    }
}
