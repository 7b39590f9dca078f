package dev.realtime.loadtest;

/**
 * {@code java -jar loadtest/target/realtime-loadtest.jar <connect|fanout|idle> [options]}.
 * Exit codes: 0 done, 2 bad options, 1 the run failed.
 */
public final class LoadTest {
    private LoadTest() {
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage().replace("\n", "\nerror: "));
            System.err.println(usage());
            System.exit(2);
            return;
        }
        System.exit(run(o) == null ? 1 : 0);
    }

    /** Runs one scenario, prints the table, writes {@code --out}; returns the report (null on failure). */
    public static java.util.Map<String, Object> run(Options o) throws Exception {
        ProtocolAdapter adapter = new NativeProtocol("binary".equals(o.codec()));
        Stats stats = new Stats();
        ServerProbe server = new ServerProbe(o.urls(), o.serverPids());
        long wall0 = System.nanoTime();
        double cpu0 = Limits.cpuSeconds(ProcessHandle.current().pid());
        Report report = switch (o.scenario()) {
            case "connect" -> ConnectScenario.run(o, adapter, stats, server);
            case "fanout" -> FanoutScenario.run(o, adapter, stats, server);
            default -> IdleScenario.run(o, adapter, stats, server);
        };
        double cpu = Limits.cpuSeconds(ProcessHandle.current().pid()) - cpu0;
        double wall = (System.nanoTime() - wall0) / 1e9;
        // A generator above ~80% of its cores measures itself, not the server (PERFORMANCE.md).
        report.put("harnessCpuSeconds", Report.round(cpu, 2))
                .put("harnessCpuUtilization", Report.round(cpu / wall / Runtime.getRuntime().availableProcessors(), 2))
                .put("machine", machine()).put("date", java.time.Instant.now().toString());
        report.print();
        report.write(o.out());
        return report.fields;
    }

    private static String machine() {
        return Runtime.getRuntime().availableProcessors() + " cpu visible to the harness, "
                + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", Java "
                + System.getProperty("java.version");
    }

    static String usage() {
        return """
                usage: java -jar realtime-loadtest.jar <connect|fanout|idle> [options]
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
                  --warmup S                     seconds not timed at the start (default 3)
                  --ramp C                       connections/s while opening (0 = as fast as possible)
                  --codec json|binary            native codec (default json)
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
                """;
    }
}
