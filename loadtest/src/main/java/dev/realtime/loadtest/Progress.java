package dev.realtime.loadtest;

import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/** Prints one progress line a second until closed. Owns its own daemon thread. */
final class Progress implements AutoCloseable {
    private final Thread thread;
    private volatile boolean running = true;

    Progress(Stats stats, int target) {
        long start = System.nanoTime();
        thread = new Thread(() -> {
            long lastDelivered = 0;
            while (running) {
                try {
                    TimeUnit.SECONDS.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
                Histogram interval = stats.latencyInterval();
                long delivered = stats.delivered.sum();
                System.out.printf("[%4ds] conns %d/%d ready, %d failed | sent %d | delivered %d (%d/s) | p99 %s ms%n",
                        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start), stats.ready.sum(), target,
                        stats.failed.sum(), stats.sent.sum(), delivered, delivered - lastDelivered,
                        interval.getTotalCount() == 0 ? "-" : Report.ms(interval.getValueAtPercentile(99)));
                lastDelivered = delivered;
            }
        }, "progress");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
