package dev.realtime.loadtest;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the server under test: its Prometheus metrics, its CPU time, and (via jcmd) a forced GC.
 * With several nodes ({@code --url a,b}) it reads every node: metrics are summed over the nodes,
 * CPU time over the {@code --server-pid}s, and each JVM is asked for a GC.
 */
final class ServerProbe {
    private final List<URI> metrics = new ArrayList<>();
    private final List<Long> pids;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    ServerProbe(List<URI> wsUrls, List<Long> pids) {
        this(wsUrls, pids, true);
    }

    /**
     * @param jvmFigures whether to attach to the nodes' JVMs for allocation and GC pause figures.
     *                   Off for the soak and the idle run, which measure the server's own heap:
     *                   the attached JMX connection makes the server keep up to 1,000 GC
     *                   notifications for the remote listener (several MB of heap, growing with
     *                   every collection), which they would count as the server's.
     */
    ServerProbe(List<URI> wsUrls, List<Long> pids, boolean jvmFigures) {
        for (URI wsUrl : wsUrls) {
            String scheme = "wss".equals(wsUrl.getScheme()) ? "https" : "http";
            metrics.add(URI.create(scheme + "://" + wsUrl.getHost() + ":" + wsUrl.getPort() + "/metrics"));
        }
        this.pids = List.copyOf(pids);
        for (long pid : jvmFigures ? this.pids : List.<Long>of()) {
            JvmProbe j = JvmProbe.attach(pid);
            if (j != null) {
                jvms.add(j);
            }
        }
    }

    /** The nodes that are JVMs we could attach to (allocation, GC pauses); may be fewer than the pids. */
    private final List<JvmProbe> jvms = new ArrayList<>();

    /** Allocation and CPU per thread group, summed over the attached nodes (see {@link JvmProbe#threads}). */
    Map<String, long[]> threads() {
        Map<String, long[]> out = new java.util.TreeMap<>();
        for (JvmProbe j : jvms) {
            j.threads().forEach((k, v) -> {
                long[] sum = out.computeIfAbsent(k, x -> new long[v.length]);
                for (int i = 0; i < v.length; i++) {
                    sum[i] += v[i];
                }
            });
        }
        return out;
    }

    /** Context switches per thread group, summed over the nodes ({@link Limits#contextSwitches}). */
    Map<String, long[]> contextSwitches() {
        Map<String, long[]> out = new java.util.TreeMap<>();
        for (long pid : pids) {
            Limits.contextSwitches(pid).forEach((k, v) -> {
                long[] sum = out.computeIfAbsent(k, x -> new long[2]);
                sum[0] += v[0];
                sum[1] += v[1];
            });
        }
        return out;
    }

    /** CPU per thread group from {@code /proc}, summed over the nodes ({@link Limits#threadCpu}). */
    Map<String, double[]> threadCpu() {
        Map<String, double[]> out = new java.util.TreeMap<>();
        for (long pid : pids) {
            Limits.threadCpu(pid).forEach((k, v) -> {
                double[] sum = out.computeIfAbsent(k, x -> new double[2]);
                sum[0] += v[0];
                sum[1] += v[1];
            });
        }
        return out;
    }

    /** Whether some node's JVM figures are available. */
    boolean hasJvm() {
        return !jvms.isEmpty();
    }

    /** Starts a new GC pause window on every node. */
    void resetGcWindow() {
        jvms.forEach(JvmProbe::resetPauses);
    }

    /**
     * The servers' stop-the-world GC pauses: in the window since {@link #resetGcWindow} and since the
     * harness started, with the collectors and GC flags of the first node; null without a JVM.
     */
    Map<String, Object> gcReport() {
        if (jvms.isEmpty()) {
            return null;
        }
        long[] window = new long[3];
        long[] all = new long[3];
        for (JvmProbe j : jvms) {
            long[] w = j.pauses();
            long[] a = j.allPauses();
            window[0] += w[0];
            window[1] += w[1];
            window[2] = Math.max(window[2], w[2]);
            all[0] += a[0];
            all[1] += a[1];
            all[2] = Math.max(all[2], a[2]);
        }
        Map<String, Object> m = JvmProbe.pauseReport(window);
        m.put("maxPauseMsWholeRun", all[2] / 1000.0);
        m.put("pausesWholeRun", all[0]);
        m.put("collectors", jvms.get(0).collectors());
        m.put("jvmArgs", jvms.get(0).inputArguments().stream()
                .filter(a -> a.startsWith("-XX:+Use") || a.startsWith("-Xm") || a.startsWith("-XX:Max") || a.startsWith("-XX:+Z"))
                .toList());
        return m;
    }

    /** Detaches from the nodes' JVMs. */
    void close() {
        jvms.forEach(JvmProbe::close);
    }

    /**
     * Un-labelled samples by name (labelled ones keyed as {@code name{labels}}), summed over the
     * nodes; empty if unreachable.
     */
    Map<String, Double> metrics() {
        Map<String, Double> out = new HashMap<>();
        for (URI node : metrics) {
            metrics(node).forEach((k, v) -> out.merge(k, v, Double::sum));
        }
        return out;
    }

    /** How many nodes this probe reads. */
    int nodes() {
        return metrics.size();
    }

    /** The samples of node {@code node} alone (in {@code --url} order); empty if unreachable. */
    Map<String, Double> metricsOf(int node) {
        return metrics(metrics.get(node));
    }

    /** Asks node {@code node}'s JVM for a full GC; false without its pid. */
    boolean gc(int node) {
        return node < pids.size() && gc(pids.get(node));
    }

    /** The pid of node {@code node}, or -1 when not given. */
    long pid(int node) {
        return node < pids.size() ? pids.get(node) : -1;
    }

    private Map<String, Double> metrics(URI metrics) {
        Map<String, Double> out = new HashMap<>();
        try {
            String body = http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            for (String line : body.split("\n")) {
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                int sp = line.lastIndexOf(' ');
                try {
                    out.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
                } catch (NumberFormatException ignored) {
                    // not a sample line
                }
            }
        } catch (IOException e) {
            System.err.println("cannot read " + metrics + ": " + oneLine(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return out;
    }

    /** Server CPU seconds so far, summed over the nodes, or -1 without {@code --server-pid} (or if one is gone). */
    double cpuSeconds() {
        if (pids.isEmpty()) {
            return -1;
        }
        double sum = 0;
        for (double s : cpuSecondsByNode()) {
            if (s < 0) {
                return -1;
            }
            sum += s;
        }
        return sum;
    }

    /** User and system CPU seconds so far, summed over the nodes, or null without {@code --server-pid}. */
    double[] cpuSplit() {
        if (pids.isEmpty()) {
            return null;
        }
        double[] sum = new double[2];
        for (long pid : pids) {
            double[] s = Limits.cpuSecondsSplit(pid);
            if (s == null) {
                return null;
            }
            sum[0] += s[0];
            sum[1] += s[1];
        }
        return sum;
    }

    /** CPU seconds so far of each node's process, in {@code --url} order (-1 where unknown). */
    double[] cpuSecondsByNode() {
        double[] out = new double[pids.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = Limits.cpuSeconds(pids.get(i));
        }
        return out;
    }

    /** An exception's class and first line of message (RMI nests its causes over several lines). */
    static String oneLine(Throwable e) {
        String m = e.getMessage();
        String first = m == null ? "" : m.lines().findFirst().orElse("").replaceAll(";\\s*nested exception is:\\s*$", "");
        return e.getClass().getSimpleName() + (first.isEmpty() ? "" : ": " + first);
    }

    /** How long a forced GC may take before the server is taken for hung. */
    static final long JCMD_TIMEOUT_SECONDS = 15;

    /** Asks every server JVM for a full GC (so "heap after GC" is fresh); false without a pid. */
    boolean gc() {
        if (pids.isEmpty()) {
            return false;
        }
        boolean ok = true;
        for (long pid : pids) {
            ok &= gc(pid);
        }
        return ok;
    }

    private static boolean gc(long pid) {
        if (pid <= 0) {
            return false;
        }
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        try {
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.run")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(JCMD_TIMEOUT_SECONDS, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly(); // a stopped or hung server never answers: the run must still end
                System.err.println("jcmd GC.run: server pid " + pid + " did not answer within " + JCMD_TIMEOUT_SECONDS
                        + " s (stopped or hung?)");
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            System.err.println("jcmd failed: " + e.getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
