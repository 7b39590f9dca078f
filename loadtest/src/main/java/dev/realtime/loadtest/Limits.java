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
}
