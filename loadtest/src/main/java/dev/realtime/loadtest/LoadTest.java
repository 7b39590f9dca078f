package dev.realtime.loadtest;

/**
 * {@code java -jar loadtest/target/realtime-loadtest.jar <connect|fanout|idle|video|soak|quiz|notify> [options]}.
 * Exit codes: 0 a clean run, 2 bad options, 1 the run failed ({@link #failures}: aborted, lost or
 * duplicated messages, nothing sent, errors, a soak verdict FAIL).
 */
public final class LoadTest {
    private LoadTest() {
    }

    /**
     * The JMX probe's calls (RMI) read without a timeout by default: a server that is stopped or hung
     * would hold the run forever. 10 s, then the probe reports its figures unavailable.
     */
    static final String RMI_RESPONSE_TIMEOUT_MS = "10000";

    public static void main(String[] args) throws Exception {
        System.setProperty("sun.rmi.transport.tcp.responseTimeout", RMI_RESPONSE_TIMEOUT_MS);
        System.setProperty("sun.rmi.transport.tcp.handshakeTimeout", RMI_RESPONSE_TIMEOUT_MS); // a new connection's
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage().replace("\n", "\nerror: "));
            System.err.println(usage());
            System.exit(2);
            return;
        }
        java.util.Map<String, Object> report = run(o);
        java.util.List<String> failures = report == null ? java.util.List.of("no report") : failures(report);
        if (!failures.isEmpty()) {
            System.err.println("run failed: " + String.join("; ", failures));
        }
        System.exit(failures.isEmpty() ? 0 : 1);
    }

    /**
     * Why a run did not measure what it was asked to (empty: a clean run): it aborted, lost or
     * duplicated messages, sent nothing, counted errors (the table and the JSON say which), or the
     * soak's verdict is FAIL. Scripts and CI read the exit code: 1 for any of these.
     */
    static java.util.List<String> failures(java.util.Map<String, Object> r) {
        java.util.List<String> out = new java.util.ArrayList<>();
        if (r.get("aborted") != null) {
            out.add("aborted: " + r.get("aborted"));
        }
        if ("FAIL".equals(r.get("verdict"))) {
            out.add("verdict FAIL " + r.get("failures"));
        }
        if (r.get("lost") instanceof Number n && n.longValue() > 0) {
            out.add("lost " + n);
        }
        if (r.get("duplicates") instanceof Number n && n.longValue() > 0) {
            out.add("duplicates " + n);
        }
        if (r.get("sent") instanceof Number n && n.longValue() == 0) {
            out.add("nothing was sent");
        }
        if (r.get("verdict") == null && r.get("errors") instanceof java.util.Map<?, ?> errors && !errors.isEmpty()) {
            out.add("errors " + errors);
        }
        return out;
    }

    /** Runs one scenario, prints the table, writes {@code --out}; returns the report (null on failure). */
    public static java.util.Map<String, Object> run(Options o) throws Exception {
        ProtocolAdapter adapter = "socketio".equals(o.protocol()) ? new SocketIoProtocol()
                : new NativeProtocol("binary".equals(o.codec()));
        Stats stats = new Stats();
        // The soak and the idle run measure the server's heap: no JMX attach there (see ServerProbe).
        ServerProbe server = new ServerProbe(o.urls(), o.serverPids(),
                !"soak".equals(o.scenario()) && !"idle".equals(o.scenario()));
        long wall0 = System.nanoTime();
        double cpu0 = Limits.cpuSeconds(ProcessHandle.current().pid());
        ServerSettings settings = ServerSettings.forRun(o);
        System.out.println(settings.summary());
        Report report = switch (o.scenario()) {
            case "connect" -> ConnectScenario.run(o, adapter, stats, server);
            case "fanout" -> FanoutScenario.run(o, adapter, stats, server);
            case "video" -> VideoScenario.run(o, adapter, stats, server);
            case "soak" -> SoakScenario.run(o, server);
            case "quiz" -> QuizScenario.run(o, adapter, stats, server);
            case "notify" -> NotifyScenario.run(o, adapter, stats, server);
            default -> IdleScenario.run(o, adapter, stats, server);
        };
        java.util.List<String> hints = settings.hints(stats.errors());
        report.put("serverSettingsNeeded", settings.needed()).put("hints", hints);
        double cpu = Limits.cpuSeconds(ProcessHandle.current().pid()) - cpu0;
        double wall = (System.nanoTime() - wall0) / 1e9;
        // A generator above ~80% of its cores measures itself, not the server (PERFORMANCE.md).
        report.put("harnessCpuSeconds", Report.round(cpu, 2))
                .put("harnessCpuUtilization", Report.round(cpu / wall / Runtime.getRuntime().availableProcessors(), 2))
                .put("machine", machine()).put("date", java.time.Instant.now().toString());
        report.print();
        hints.forEach(h -> System.err.println("HINT: " + h));
        report.write(o.out());
        server.close();
        return report.fields;
    }

    private static String machine() {
        return Runtime.getRuntime().availableProcessors() + " cpu visible to the harness, "
                + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", Java "
                + System.getProperty("java.version");
    }

    static String usage() {
        return """
                usage: java -jar realtime-loadtest.jar <connect|fanout|idle|video|soak|quiz|notify> [options]
                  --url ws://127.0.0.1:8080/ws   server WebSocket URL; several nodes of one cluster
                                                 comma-separated (ws://h:8080/ws,ws://h:8081/ws):
                                                 connections and publishers are spread over them
                  --secret S                     the server's JWT_SECRET (HS256), required
                  --connections N                connections (default 1000)
                  --rooms R                      rooms for fanout (default 1)
                  --publishers P                 publishing connections (default min(R,16))
                  --rate X                       messages/s in total, open loop (default 1000)
                  --payload-bytes B              size of each message's data (default 64)
                  --duration S                   seconds of publishing / holding (default 30)
                  --warmup S                     seconds not timed at the start (default 3; connect:
                                 S seconds' worth of handshakes first, opened and closed)
                  --ramp C                       connections/s while opening (0 = as fast as possible)
                  --codec json|binary            native codec (default json)
                  --protocol native|socketio     native protocol (default), or Socket.IO v5 over
                                                 WebSocket (--url ws://h:p/socket.io/: the gateway's
                                                 endpoint or a peer server of loadtest/peers/)
                  --source-addresses N           spread client addresses over 127.0.0.1..N
                  --threads T                    harness event loops (default: cpus)
                  --server-pid PID[,PID...]      measure server CPU (one pid per --url node, summed),
                                                 force GC for idle memory
                  --redis-pid PID[,PID...]       also report these processes' CPU (the Redis server, or
                                                 a Redis Cluster's primaries: in total and per pid)
                  --kill-pid PID --kill-after S  SIGKILL PID (e.g. a Redis primary) S seconds into
                                                 publishing; report each room's first cross-node
                                                 delivery after it (the failover's blackout)
                  --out FILE                     write the JSON result here
                video: --connections viewers of one video room and its chat, --publishers chatters
                       (default: one message/s each), --rate chat messages/s in total,
                  --churn J                      extra connections joining (and leaving) the video
                                                 room, J joins/s (default 0)
                soak (mixed load for --duration; --connections stable users, --rooms small rooms,
                      --rate publishes/s; see docs/benchmarks.md):
                  --api-key K                    the server's INTERNAL_API_KEY (notifications)
                  --churn N                      reconnecting users (default 50; video: joins/s, default 0)
                  --slow N                       users that stop reading (default 5)
                  --notify-rate X                notifications/s with acks (default 20; 0 = none)
                  --sample-seconds S             server sample period (default 60)
                  --flat-window S                memory must be flat over the last S s (default 600)
                  --server-log FILE[,FILE...]    server logs to count Netty LEAK reports in
                  --think-ms T                   quiz: each player waits T ms before each answer (default 0)
                notify: --connections users (one device each) get --rate notifications/s in total, end to end:
                  --via http|kafka               POST /api/realtime/internal/notify (needs --api-key), or
                                                 produce to a Kafka topic the route table sends to users
                  --kafka-brokers H:P[,H:P]      the server's KAFKA_BROKERS (--via kafka)
                  --topic T                      Kafka topic (default SessionStartingSoon: seed 000's,
                                                 {"userIds":[..],"message":{..}} -> notification:new)
                quiz: --connections players (spread over the --url nodes) queue for 1v1_rapid_quiz and play
                  whole matches for --duration seconds, queueing again after each; reports matches/s, p99 of
                  match:found after the second player's join, p99 of match:stateUpdate after a submit.
                """;
    }
}
