package dev.realtime.loadtest;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The harness's command line, parsed and validated once. Option names are a contract (scripts and
 * CI call them): {@code --url --secret --connections --rooms --rate --payload-bytes --duration
 * --ramp --codec --source-addresses --out}, plus {@code --publishers --warmup --threads
 * --server-pid --protocol}.
 */
public record Options(
        String scenario,
        URI url,
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
        long serverPid,
        String out) {

    static final List<String> SCENARIOS = List.of("connect", "fanout", "idle");

    /** Parses {@code args}; throws {@link IllegalArgumentException} with a clear message on bad input. */
    static Options parse(String[] args) {
        if (args.length == 0 || args[0].startsWith("-")) {
            throw new IllegalArgumentException("first argument must be a scenario: " + SCENARIOS);
        }
        String scenario = args[0].toLowerCase(Locale.ROOT);
        if (!SCENARIOS.contains(scenario)) {
            throw new IllegalArgumentException("unknown scenario '" + args[0] + "'; expected one of " + SCENARIOS);
        }
        URI url = URI.create("ws://127.0.0.1:8080/ws");
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
        long pid = -1;
        String out = null;
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
                    case "--url" -> url = URI.create(v);
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
                    case "--server-pid" -> pid = Long.parseLong(v);
                    case "--out" -> out = v;
                    default -> problems.add("unknown option " + name);
                }
            } catch (IllegalArgumentException e) {
                problems.add(name + " '" + v + "' is not a valid value");
            }
        }
        if (publishers < 0) {
            publishers = Math.min(rooms, 16);
        }
        Options o = new Options(scenario, url, secret, connections, rooms, publishers, rate, payload, duration, warmup,
                ramp, codec, protocol, sources, threads, pid, out);
        problems.addAll(o.problems());
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", problems));
        }
        return o;
    }

    private List<String> problems() {
        List<String> p = new ArrayList<>();
        if (secret == null || secret.isEmpty()) {
            p.add("--secret is required (the server's JWT_SECRET; the harness signs its own HS256 tokens)");
        }
        if (!"ws".equals(url.getScheme()) && !"wss".equals(url.getScheme())) {
            p.add("--url must be ws:// or wss://");
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
        if (rate <= 0 || rate > 10_000_000) {
            p.add("--rate must be in (0, 10000000] messages/s");
        }
        if (payloadBytes < 0 || payloadBytes > 1_000_000) {
            p.add("--payload-bytes must be in [0, 1000000]");
        }
        if (durationSeconds < 1 || durationSeconds > 3600) {
            p.add("--duration must be 1..3600 seconds");
        }
        if (warmupSeconds < 0 || warmupSeconds >= durationSeconds && scenario.equals("fanout")) {
            p.add("--warmup must be >= 0 and shorter than --duration");
        }
        if (ramp < 0) {
            p.add("--ramp must be >= 0 (0 = as fast as possible)");
        }
        if (!codec.equals("json") && !codec.equals("binary")) {
            p.add("--codec must be json or binary");
        }
        if (!protocol.equals("native")) {
            p.add("--protocol must be native (socketio arrives with the Socket.IO endpoint)");
        }
        if (sourceAddresses < 1 || sourceAddresses > 254) {
            p.add("--source-addresses must be 1..254");
        }
        if (threads < 1 || threads > 256) {
            p.add("--threads must be 1..256");
        }
        long fdLimit = Limits.openFilesLimit();
        if (fdLimit > 0 && connections + 64L > fdLimit) {
            p.add("--connections " + connections + " needs more file descriptors than this process may open ("
                    + fdLimit + "): raise it first, e.g. `ulimit -n " + (connections + 1024) + "`");
        }
        long ports = Limits.ephemeralPorts();
        if (ports > 0 && connections > ports * sourceAddresses) {
            p.add("--connections " + connections + " exceeds " + ports + " ephemeral ports x " + sourceAddresses
                    + " source address(es): use --source-addresses " + (connections / ports + 1));
        }
        return p;
    }
}
