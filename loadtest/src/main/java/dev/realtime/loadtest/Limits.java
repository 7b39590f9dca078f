package dev.realtime.loadtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Operating-system limits that decide whether a run can succeed (Linux /proc; -1 when unknown). */
final class Limits {
    private Limits() {
    }

    /** The soft "Max open files" limit of this process. */
    static long openFilesLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                    return "unlimited".equals(soft) ? Long.MAX_VALUE : Long.parseLong(soft);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** How many local ports one source address can use toward one server address. */
    static long ephemeralPorts() {
        try {
            String[] range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim().split("\\s+");
            return Long.parseLong(range[1]) - Long.parseLong(range[0]) + 1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** utime + stime of process {@code pid} in seconds, or -1. */
    static double cpuSeconds(long pid) {
        if (pid <= 0) {
            return -1;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return ticks / 100.0; // USER_HZ is 100 on Linux
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** User and system CPU seconds of {@code pid} so far, {@code [user, system]}, or null. */
    static double[] cpuSecondsSplit(long pid) {
        if (pid <= 0) {
            return null;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new double[] {Long.parseLong(f[11]) / 100.0, Long.parseLong(f[12]) / 100.0};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Machine-wide idle CPU seconds (idle + iowait of the first line of {@code /proc/stat}) and the
     * number of CPUs: {@code [idleSeconds, cpus]}, or {@code null}. Busy time over an interval is
     * {@code wall x cpus - idle}. Idle is used rather than the user/system columns because with
     * tick-based accounting those are sampled at the timer tick, and in a VM under bursty load
     * they can be off by more than half; idle time is measured on entering and leaving idle.
     */
    static double[] machineIdleCpuSeconds() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/stat"));
            String[] f = lines.get(0).trim().split("\\s+");
            if (!f[0].equals("cpu")) {
                return null;
            }
            long cpus = lines.stream().filter(l -> l.matches("cpu\\d+ .*")).count();
            return new double[] {(Long.parseLong(f[4]) + Long.parseLong(f[5])) / 100.0, cpus};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Context switches of every thread of process {@code pid} so far, by thread group (name without
     * its trailing numbers, as {@link JvmProbe#group}): {@code [voluntary, involuntary]}; empty when
     * unreadable. Threads that ended in between are not counted.
     */
    static java.util.Map<String, long[]> contextSwitches(long pid) {
        java.util.Map<String, long[]> out = new java.util.TreeMap<>();
        if (pid <= 0) {
            return out;
        }
        try (java.util.stream.Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String name = Files.readString(task.resolve("comm")).trim();
                    long vol = 0;
                    long invol = 0;
                    for (String line : Files.readAllLines(task.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:")) {
                            vol = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        } else if (line.startsWith("nonvoluntary_ctxt_switches:")) {
                            invol = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                    long[] sum = out.computeIfAbsent(JvmProbe.group(name), k -> new long[2]);
                    sum[0] += vol;
                    sum[1] += invol;
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException | RuntimeException e) {
            return out;
        }
        return out;
    }

    /**
     * Context switches between two {@link #contextSwitches} readings per {@code per} (published
     * messages): {@code voluntary} and {@code involuntary} over all threads, and the voluntary ones of
     * each group with at least 5 % of them.
     */
    static java.util.Map<String, Object> contextSwitchesPer(java.util.Map<String, long[]> before,
                                                           java.util.Map<String, long[]> after, double per) {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        if (per <= 0 || after.isEmpty()) {
            return m;
        }
        long vol = 0;
        long invol = 0;
        java.util.Map<String, Long> byGroup = new java.util.TreeMap<>();
        for (java.util.Map.Entry<String, long[]> e : after.entrySet()) {
            long[] b = before.get(e.getKey());
            long v = e.getValue()[0] - (b == null ? 0 : b[0]);
            long n = e.getValue()[1] - (b == null ? 0 : b[1]);
            vol += Math.max(0, v);
            invol += Math.max(0, n);
            byGroup.put(e.getKey(), Math.max(0, v));
        }
        m.put("voluntary", Report.round(vol / per, 3));
        m.put("involuntary", Report.round(invol / per, 3));
        for (java.util.Map.Entry<String, Long> e : byGroup.entrySet()) {
            if (e.getValue() > 0 && e.getValue() * 20 >= vol) {
                m.put("voluntary:" + e.getKey(), Report.round(e.getValue() / per, 3));
            }
        }
        return m;
    }

    /**
     * CPU seconds of every thread of process {@code pid} so far (all of them, the JVM's GC, JIT and
     * VM threads included), by thread group as {@link JvmProbe#group}: {@code [user, system]} from
     * {@code /proc/<pid>/task/<tid>/stat}; empty when unreadable. Threads that ended are not counted.
     */
    static java.util.Map<String, double[]> threadCpu(long pid) {
        java.util.Map<String, double[]> out = new java.util.TreeMap<>();
        if (pid <= 0) {
            return out;
        }
        try (java.util.stream.Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    double[] sum = out.computeIfAbsent(JvmProbe.group(name), k -> new double[2]);
                    sum[0] += Long.parseLong(f[11]) / 100.0;
                    sum[1] += Long.parseLong(f[12]) / 100.0;
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException | RuntimeException e) {
            return out;
        }
        return out;
    }

    /** CPU seconds per thread group between two {@link #threadCpu} readings, user and system apart (groups with at least 1 % of the total). */
    static java.util.Map<String, Object> threadCpuDelta(java.util.Map<String, double[]> before, java.util.Map<String, double[]> after) {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        double total = 0;
        for (java.util.Map.Entry<String, double[]> e : after.entrySet()) {
            double[] b = before.getOrDefault(e.getKey(), new double[2]);
            total += e.getValue()[0] - b[0] + e.getValue()[1] - b[1];
        }
        for (java.util.Map.Entry<String, double[]> e : after.entrySet()) {
            double[] b = before.getOrDefault(e.getKey(), new double[2]);
            double user = e.getValue()[0] - b[0];
            double sys = e.getValue()[1] - b[1];
            if (user + sys > 0 && (user + sys) * 100 >= total) {
                m.put(e.getKey(), java.util.Map.of("userSeconds", Report.round(user, 2), "systemSeconds", Report.round(sys, 2)));
            }
        }
        return m;
    }
}
