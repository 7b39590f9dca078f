package dev.realtime.loadtest;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** Reads the server under test: its Prometheus metrics, its CPU time, and (via jcmd) a forced GC. */
final class ServerProbe {
    private final URI metrics;
    private final long pid;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    ServerProbe(URI wsUrl, long pid) {
        String scheme = "wss".equals(wsUrl.getScheme()) ? "https" : "http";
        this.metrics = URI.create(scheme + "://" + wsUrl.getHost() + ":" + wsUrl.getPort() + "/metrics");
        this.pid = pid;
    }

    /** Un-labelled samples by name (labelled ones keyed as {@code name{labels}}); empty if unreachable. */
    Map<String, Double> metrics() {
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

    /** Server CPU seconds so far, or -1 without {@code --server-pid}. */
    double cpuSeconds() {
        return Limits.cpuSeconds(pid);
    }

    /** Asks the server JVM for a full GC (so "heap after GC" is fresh); false without a pid. */
    boolean gc() {
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
