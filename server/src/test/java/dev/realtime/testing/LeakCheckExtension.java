package dev.realtime.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Turns Netty leak reports into test failures. Registered for every test class through
 * {@code META-INF/services} (auto-detection is on in {@code junit-platform.properties}); installs a
 * recording leak-detector factory before any buffer class initialises. After each class it collects
 * garbage and allocates a few tracked buffers (which is when Netty reports leaks), then fails the
 * class if anything leaked. Tests run with {@code -Dio.netty.leakDetection.level=paranoid}.
 */
public final class LeakCheckExtension implements AfterAllCallback {
    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();

    static {
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        for (int i = 0; i < 5 && LEAKS.isEmpty(); i++) {
            System.gc();
            ByteBuf heap = Unpooled.buffer(8);
            heap.release();
            ByteBuf direct = PooledByteBufAllocator.DEFAULT.directBuffer(8);
            direct.release();
        }
        if (!LEAKS.isEmpty()) {
            List<String> found = List.copyOf(LEAKS);
            LEAKS.clear();
            throw new AssertionError("Netty buffer leak(s) detected by the end of " + context.getDisplayName()
                    + ":\n" + String.join("\n\n", found));
        }
    }

    private static final class RecordingFactory extends ResourceLeakDetectorFactory {
        @Override
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval, long maxActive) {
            return newResourceLeakDetector(resource, samplingInterval);
        }

        @Override
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval) {
            return new ResourceLeakDetector<T>(resource, samplingInterval) {
                @Override
                protected void reportTracedLeak(String resourceType, String records) {
                    LEAKS.add(resourceType + " leaked:" + records);
                    super.reportTracedLeak(resourceType, records);
                }

                @Override
                protected void reportUntracedLeak(String resourceType) {
                    LEAKS.add(resourceType + " leaked (untraced)");
                    super.reportUntracedLeak(resourceType);
                }
            };
        }
    }
}
