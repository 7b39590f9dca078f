package dev.realtime.loadtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The soak's view of the servers' resources: every sample, per node, heap after a (forced, with
 * {@code --server-pid}) GC, RSS, direct memory, threads and open files; and the flat-memory
 * verdict over the last window of samples. With a pid the figures come from {@code /proc} and
 * {@code jcmd}, else from the node's {@code /metrics} (the JVM and process collectors).
 *
 * <p>Threading: {@link #sample} runs on the scenario's sampling thread; {@link #samples()} is read
 * after the run.
 */
final class SoakSampler {
    /** One node at one moment. Bytes, except threads and files. */
    record Sample(long atSeconds, int node, double heapAfterGc, double rss, double direct, double threads,
                  double openFiles) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("t", atSeconds);
            m.put("node", node);
            m.put("heapAfterGcMb", mb(heapAfterGc));
            m.put("rssMb", mb(rss));
            m.put("directMb", mb(direct));
            m.put("threads", (long) threads);
            m.put("openFiles", (long) openFiles);
            return m;
        }
    }

    private final ServerProbe server;
    private final List<Sample> samples = new ArrayList<>();

    SoakSampler(ServerProbe server) {
        this.server = server;
    }

    static double mb(double bytes) {
        return Report.round(bytes / (1024 * 1024), 1);
    }

    /** Samples every node now. */
    synchronized void sample(long atSeconds) {
        if (!samples.isEmpty() && samples.get(samples.size() - 1).atSeconds == atSeconds) {
            return; // the periodic sample of this very second is already in
        }
        if (Thread.currentThread().isInterrupted()) {
            return; // the run is stopping: a half-read sample would be wrong
        }
        for (int n = 0; n < server.nodes(); n++) {
            server.gc(n); // heap "after GC" means after this one when we have the pid
            Map<String, Double> m = server.metricsOf(n);
            if (m.isEmpty()) {
                System.err.println("soak: node " + n + " did not answer /metrics at " + atSeconds + " s; no sample");
                continue;
            }
            long pid = server.pid(n);
            double heap = m.getOrDefault("realtime_heap_after_gc_bytes", -1.0);
            double netty = m.getOrDefault("realtime_netty_direct_memory_bytes", 0.0);
            double direct = Math.max(0, netty) + m.getOrDefault("jvm_buffer_pool_used_bytes{pool=\"direct\",}", 0.0);
            double rss = pid > 0 ? procStatus(pid, "VmRSS:") * 1024 : m.getOrDefault("process_resident_memory_bytes", -1.0);
            double threads = pid > 0 ? procStatus(pid, "Threads:") : m.getOrDefault("jvm_threads_current", -1.0);
            double files = pid > 0 ? openFiles(pid) : m.getOrDefault("process_open_fds", -1.0);
            samples.add(new Sample(atSeconds, n, heap, rss, direct, threads, files));
        }
    }

    synchronized List<Sample> samples() {
        return List.copyOf(samples);
    }

    /**
     * Per node: over the samples of the last {@code windowSeconds} (up to the end of the run), the
     * mean of heap after GC and of RSS and the largest deviation from it, flat when every sample is
     * within {@code tolerance} (0.05) of the mean. Fewer than 3 samples in the window: not judged.
     */
    synchronized Map<String, Object> verdict(long endSeconds, long windowSeconds, double tolerance) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int n = 0; n < server.nodes(); n++) {
            int node = n;
            List<Sample> window = samples.stream()
                    .filter(s -> s.node == node && s.atSeconds >= endSeconds - windowSeconds && s.atSeconds <= endSeconds)
                    .toList();
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("samples", window.size());
            if (window.size() < 3) {
                v.put("flat", null);
                v.put("why", "fewer than 3 samples in the last " + windowSeconds + " s");
            } else {
                Map<String, Object> heap = flatness(window.stream().mapToDouble(Sample::heapAfterGc).toArray(), tolerance);
                Map<String, Object> rss = flatness(window.stream().mapToDouble(Sample::rss).toArray(), tolerance);
                v.put("heapAfterGc", heap);
                v.put("rss", rss);
                v.put("direct", flatness(window.stream().mapToDouble(Sample::direct).toArray(), tolerance));
                v.put("flat", (Boolean) heap.get("flat") && (Boolean) rss.get("flat"));
            }
            out.put("node" + n, v);
        }
        return out;
    }

    /**
     * Deviations this small count as flat whatever the percentage: a node's heap after GC can be
     * ~10 MB, where the messages in flight at the moment of the GC move it by a megabyte or two.
     */
    static final double FLAT_FLOOR_BYTES = 2 * 1024 * 1024;

    /**
     * Mean, largest deviation from it (percent and MB), whether every value is within
     * {@code tolerance} of the mean ({@code within5Percent}, the strict reading), and {@code flat}:
     * within the tolerance or within {@link #FLAT_FLOOR_BYTES}.
     */
    static Map<String, Object> flatness(double[] values, double tolerance) {
        double mean = 0;
        for (double v : values) {
            mean += v;
        }
        mean /= values.length;
        double worst = 0;
        for (double v : values) {
            worst = Math.max(worst, Math.abs(v - mean));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("meanMb", mb(mean));
        m.put("maxDeviationPercent", mean == 0 ? 0 : Report.round(100 * worst / mean, 2));
        m.put("maxDeviationMb", mb(worst));
        m.put("within" + Math.round(tolerance * 100) + "Percent", worst <= tolerance * mean);
        m.put("flat", worst <= Math.max(tolerance * mean, FLAT_FLOOR_BYTES));
        return m;
    }

    private static double procStatus(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(field)) {
                    return Double.parseDouble(line.substring(field.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private static double openFiles(long pid) {
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return fds.count();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Lines reporting a Netty leak ({@code LEAK:}) in the given server logs; -1 when none is readable. */
    static long leakReports(List<String> logs) {
        if (logs.isEmpty()) {
            return -1;
        }
        long n = 0;
        boolean read = false;
        for (String log : logs) {
            try (Stream<String> lines = Files.lines(Path.of(log), java.nio.charset.StandardCharsets.ISO_8859_1)) {
                n += lines.filter(l -> l.contains("LEAK:")).count();
                read = true;
            } catch (IOException | RuntimeException e) {
                System.err.println("cannot read server log " + log + ": " + e.getMessage());
            }
        }
        return read ? n : -1;
    }
}
