package dev.realtime.loadtest;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.MBeanServerConnection;
import javax.management.Notification;
import javax.management.NotificationListener;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * What a JVM does while it is measured, read through its platform MXBeans: bytes allocated and CPU
 * per thread ({@code ThreadMXBean#getThreadAllocatedBytes}), and every stop-the-world GC pause
 * (garbage-collection notifications). {@link #attach} reads another JVM (the server under test,
 * found by pid through the Attach API and its local JMX agent, nothing to configure on the server);
 * {@link #self} reads the harness itself. A process that is not a JVM (the Node peer) or refuses
 * the attach gives {@code null}, and its figures are simply missing from the report.
 *
 * <p>Threading: the pause counters are updated by JMX notification threads (atomics); everything
 * else is called by the scenario's main thread.
 */
final class JvmProbe implements AutoCloseable {
    private final MBeanServerConnection mbs;
    private final JMXConnector connector;
    private final List<ObjectName> listenedTo = new ArrayList<>();
    private final NotificationListener listener = this::onGc;
    private final AtomicLong pauses = new AtomicLong();
    private final AtomicLong pauseMicrosTotal = new AtomicLong();
    private final AtomicLong maxPauseMicros = new AtomicLong();
    /** The same since the probe started (never reset). */
    private final AtomicLong allPauses = new AtomicLong();
    private final AtomicLong allPauseMicrosTotal = new AtomicLong();
    private final AtomicLong allMaxPauseMicros = new AtomicLong();

    /**
     * Set once a call failed (the server stopped or hung: each call would wait out the RMI timeout
     * again); the probe then answers "unavailable" at once.
     */
    private volatile boolean broken;

    private JvmProbe(MBeanServerConnection mbs, JMXConnector connector) throws IOException {
        this.mbs = mbs;
        this.connector = connector;
        try {
            for (ObjectName gc : mbs.queryNames(new ObjectName(ManagementFactory.GARBAGE_COLLECTOR_MXBEAN_DOMAIN_TYPE + ",*"), null)) {
                mbs.addNotificationListener(gc, listener, null, null);
                listenedTo.add(gc);
            }
        } catch (javax.management.JMException e) {
            throw new IOException(e);
        }
    }

    /** The harness's own JVM. */
    static JvmProbe self() {
        try {
            return new JvmProbe(ManagementFactory.getPlatformMBeanServer(), null);
        } catch (IOException e) {
            return null;
        }
    }

    /** The JVM with process id {@code pid}, or null (not a JVM, attach refused); says why on stderr. */
    static JvmProbe attach(long pid) {
        if (pid <= 0) {
            return null;
        }
        if (!isJvm(pid)) {
            // The attach handshake sends SIGQUIT, which kills a process that is not a JVM (the Node peer).
            return null;
        }
        try {
            com.sun.tools.attach.VirtualMachine vm = com.sun.tools.attach.VirtualMachine.attach(Long.toString(pid));
            String address;
            try {
                address = vm.startLocalManagementAgent();
            } finally {
                vm.detach();
            }
            JMXConnector c = JMXConnectorFactory.connect(new JMXServiceURL(address));
            return new JvmProbe(c.getMBeanServerConnection(), c);
        } catch (Exception | LinkageError e) {
            System.err.println("note: no JVM figures for pid " + pid + " (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + ")");
            return null;
        }
    }

    /** Whether {@code pid} runs a JVM: its executable is a {@code java} launcher (Linux /proc). */
    static boolean isJvm(long pid) {
        try {
            java.nio.file.Path exe = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc", Long.toString(pid), "exe"));
            return exe.getFileName() != null && exe.getFileName().toString().startsWith("java");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    /**
     * Only stop-the-world pauses count: concurrent collectors report their cycles on separate beans
     * ({@code ZGC Cycles}, {@code ZGC Major Cycles}, {@code G1 Concurrent GC}, {@code Shenandoah Cycles}).
     */
    static boolean isPause(String gcName) {
        return !gcName.contains("Cycles") && !gcName.contains("Concurrent");
    }

    private void onGc(Notification n, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
            return;
        }
        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
        if (!isPause(info.getGcName())) {
            return;
        }
        // GcInfo durations are whole milliseconds; a pause under 1 ms reads as 0.
        long micros = info.getGcInfo().getDuration() * 1000;
        pauses.incrementAndGet();
        pauseMicrosTotal.addAndGet(micros);
        maxPauseMicros.accumulateAndGet(micros, Math::max);
        allPauses.incrementAndGet();
        allPauseMicrosTotal.addAndGet(micros);
        allMaxPauseMicros.accumulateAndGet(micros, Math::max);
    }

    /** Pause figures since the probe started: {@code [count, total micros, max micros]}. */
    long[] allPauses() {
        return new long[] {allPauses.get(), allPauseMicrosTotal.get(), allMaxPauseMicros.get()};
    }

    /** Pause figures so far: {@code [count, total micros, max micros]}. */
    long[] pauses() {
        return new long[] {pauses.get(), pauseMicrosTotal.get(), maxPauseMicros.get()};
    }

    /** Starts a new window for {@link #pauses()} (the maximum too). */
    void resetPauses() {
        pauses.set(0);
        pauseMicrosTotal.set(0);
        maxPauseMicros.set(0);
    }

    /** A window's pauses as report fields. */
    static Map<String, Object> pauseReport(long[] p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pauses", p[0]);
        m.put("maxPauseMs", p[2] / 1000.0);
        m.put("totalPauseMs", p[1] / 1000.0);
        return m;
    }

    /** Per thread group (name without its trailing numbers): {@code [allocated bytes, cpu ns, user ns]} so far. */
    Map<String, long[]> threads() {
        Map<String, long[]> out = new TreeMap<>();
        if (broken) {
            return out;
        }
        try {
            com.sun.management.ThreadMXBean t = ManagementFactory.newPlatformMXBeanProxy(mbs,
                    ManagementFactory.THREAD_MXBEAN_NAME, com.sun.management.ThreadMXBean.class);
            long[] ids = t.getAllThreadIds();
            java.lang.management.ThreadInfo[] infos = t.getThreadInfo(ids);
            long[] alloc = t.getThreadAllocatedBytes(ids);
            long[] cpu = t.getThreadCpuTime(ids);
            long[] user = t.getThreadUserTime(ids);
            for (int i = 0; i < ids.length; i++) {
                if (infos[i] == null) {
                    continue;
                }
                long[] sum = out.computeIfAbsent(group(infos[i].getThreadName()), k -> new long[3]);
                sum[0] += Math.max(0, alloc[i]);
                sum[1] += Math.max(0, cpu[i]);
                sum[2] += Math.max(0, user[i]);
            }
        } catch (IOException | RuntimeException e) {
            broken = connector != null; // the harness's own JVM does not hang
            System.err.println("note: thread figures unavailable: " + ServerProbe.oneLine(e));
        }
        return out;
    }

    /** {@code rt-io-3-1} → {@code rt-io}, {@code room-shard-0-4-} (a truncated comm) → {@code room-shard}, {@code main} → {@code main}. */
    static String group(String threadName) {
        String g = threadName.replaceAll("[-#_ .()\\d]+$", "");
        return g.isEmpty() ? threadName : g;
    }

    /**
     * Allocation between two {@link #threads()} readings per unit ({@code per}: deliveries or
     * messages), for all threads and per group with at least 1 % of the total; bytes per unit.
     */
    static Map<String, Object> allocatedPer(Map<String, long[]> before, Map<String, long[]> after, double per) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (per <= 0) {
            return m;
        }
        long total = 0;
        Map<String, Long> byGroup = new TreeMap<>();
        for (Map.Entry<String, long[]> e : after.entrySet()) {
            long[] b = before.get(e.getKey());
            long d = e.getValue()[0] - (b == null ? 0 : b[0]);
            if (d > 0) {
                byGroup.put(e.getKey(), d);
                total += d;
            }
        }
        m.put("all", Report.round(total / per, 1));
        for (Map.Entry<String, Long> e : byGroup.entrySet()) {
            if (e.getValue() * 100 >= total) {
                m.put(e.getKey(), Report.round(e.getValue() / per, 1));
            }
        }
        return m;
    }

    /** CPU seconds per group between two readings, user and system apart, for groups with at least 1 % of the total. */
    static Map<String, Object> cpuByGroup(Map<String, long[]> before, Map<String, long[]> after) {
        Map<String, Object> m = new LinkedHashMap<>();
        long total = 0;
        for (Map.Entry<String, long[]> e : after.entrySet()) {
            long[] b = before.get(e.getKey());
            total += e.getValue()[1] - (b == null ? 0 : b[1]);
        }
        for (Map.Entry<String, long[]> e : after.entrySet()) {
            long[] b = before.get(e.getKey());
            long cpu = e.getValue()[1] - (b == null ? 0 : b[1]);
            long user = e.getValue()[2] - (b == null ? 0 : b[2]);
            if (cpu > 0 && cpu * 100 >= total) {
                m.put(e.getKey(), Map.of("cpuSeconds", Report.round(cpu / 1e9, 3),
                        "userSeconds", Report.round(user / 1e9, 3), "systemSeconds", Report.round((cpu - user) / 1e9, 3)));
            }
        }
        return m;
    }

    /** The collectors of this JVM (for the report: which GC was measured). */
    List<String> collectors() {
        List<String> names = new ArrayList<>();
        for (ObjectName n : listenedTo) {
            names.add(n.getKeyProperty("name"));
        }
        return names;
    }

    /** The JVM's input arguments (its GC and heap flags), or an empty list. */
    List<String> inputArguments() {
        if (broken) {
            return List.of();
        }
        try {
            return ManagementFactory.newPlatformMXBeanProxy(mbs, ManagementFactory.RUNTIME_MXBEAN_NAME,
                    java.lang.management.RuntimeMXBean.class).getInputArguments();
        } catch (IOException | RuntimeException e) {
            broken = connector != null;
            return List.of();
        }
    }

    /** Local collectors, for a harness that wants to name its own GC. */
    static List<String> localCollectors() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().map(GarbageCollectorMXBean::getName).toList();
    }

    @Override
    public void close() {
        for (ObjectName n : broken ? List.<ObjectName>of() : listenedTo) {
            try {
                mbs.removeNotificationListener(n, listener);
            } catch (Exception ignored) {
                // the JVM may be gone
            }
        }
        if (connector != null) {
            try {
                connector.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }
}
