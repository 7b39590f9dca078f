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
        for (URI wsUrl : wsUrls) {
            String scheme = "wss".equals(wsUrl.getScheme()) ? "https" : "http";
            metrics.add(URI.create(scheme + "://" + wsUrl.getHost() + ":" + wsUrl.getPort() + "/metrics"));
        }
        this.pids = List.copyOf(pids);
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
            System.err.println("cannot read " + metrics + ": " + e.getMessage());
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
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.run").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (IOException e) {
            System.err.println("jcmd failed: " + e.getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
