package dev.realtime.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What makes a run exit 1 ({@link LoadTest#failures}): scripts and CI read only the exit code. */
class RunFailuresTest {

    private static Map<String, Object> report(Object... kv) {
        Map<String, Object> r = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            r.put((String) kv[i], kv[i + 1]);
        }
        return r;
    }

    @Test
    void aCleanRunHasNoFailures() {
        assertEquals(List.of(), LoadTest.failures(report("sent", 1000L, "lost", 0L, "duplicates", 0L, "errors", Map.of())));
        assertEquals(List.of(), LoadTest.failures(report("connected", 500, "errors", Map.of())), "idle: no sent/lost fields");
        assertEquals(List.of(), LoadTest.failures(report("verdict", "PASS", "errors", Map.of("churn_closed_1001", 3L))),
                "the soak's churners count closes it expects: its verdict decides");
    }

    @Test
    void eachWayARunFailsIsNamed() {
        assertEquals(List.of("aborted: only 0 of 10 connections became ready", "errors {http_401=10}"),
                LoadTest.failures(report("aborted", "only 0 of 10 connections became ready", "errors", Map.of("http_401", 10L))));
        assertEquals(List.of("lost 2500"), LoadTest.failures(report("sent", 100L, "lost", 2500L, "duplicates", 0L)));
        assertEquals(List.of("duplicates 3"), LoadTest.failures(report("sent", 100L, "lost", 0L, "duplicates", 3L)));
        assertEquals(List.of("nothing was sent", "errors {publisher_closed=2400}"),
                LoadTest.failures(report("sent", 0L, "lost", 0L, "errors", Map.of("publisher_closed", 2400L))));
        assertEquals(List.of("verdict FAIL [27 recoveries with gaps]"),
                LoadTest.failures(report("verdict", "FAIL", "failures", List.of("27 recoveries with gaps"))));
    }
}
