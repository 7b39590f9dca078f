package dev.realtime.loadtest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** The result of a run: an ordered map printed as a table and written as JSON. */
final class Report {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    final Map<String, Object> fields = new LinkedHashMap<>();

    Report put(String key, Object value) {
        fields.put(key, value);
        return this;
    }

    /** Percentiles in milliseconds of a microsecond histogram. */
    static Map<String, Object> percentilesMs(Histogram h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", h.getTotalCount());
        m.put("p50", ms(h.getValueAtPercentile(50)));
        m.put("p90", ms(h.getValueAtPercentile(90)));
        m.put("p99", ms(h.getValueAtPercentile(99)));
        m.put("p999", ms(h.getValueAtPercentile(99.9)));
        m.put("max", ms(h.getMaxValue()));
        return m;
    }

    static double ms(long micros) {
        return Math.round(micros / 10.0) / 100.0;
    }

    static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    void print() {
        System.out.println();
        System.out.println("==================== result ====================");
        print(fields, "");
        System.out.println("================================================");
    }

    @SuppressWarnings("unchecked")
    private static void print(Map<String, Object> m, String indent) {
        for (Map.Entry<String, Object> e : m.entrySet()) {
            if (e.getValue() instanceof Map<?, ?> inner) {
                System.out.println(indent + e.getKey() + ":");
                print((Map<String, Object>) inner, indent + "  ");
            } else {
                System.out.printf("%s%-38s %s%n", indent, e.getKey(), e.getValue());
            }
        }
    }

    void write(String file) throws IOException {
        if (file != null) {
            Path p = Path.of(file);
            if (p.getParent() != null) {
                Files.createDirectories(p.getParent());
            }
            JSON.writeValue(p.toFile(), fields);
            System.out.println("result written to " + p.toAbsolutePath());
        }
    }
}
