package dev.realtime.ingest;

import java.util.List;

/**
 * One configured route: its sources, the event (template), the targets and the payload shape.
 * Immutable; built and validated by {@link RouteTableLoader}.
 */
record Route(String id, List<String> kafka, List<String> redis, List<String> http, Template event,
        List<TargetSpec> targets, PayloadSpec payload, boolean inbox) {

    String describe() {
        StringBuilder sb = new StringBuilder(id).append(": ");
        if (!kafka.isEmpty()) {
            sb.append("kafka ").append(kafka).append(' ');
        }
        if (!redis.isEmpty()) {
            sb.append("redis ").append(redis).append(' ');
        }
        if (!http.isEmpty()) {
            sb.append("http ").append(http).append(' ');
        }
        sb.append("-> ").append(event.text()).append(" to ");
        for (int i = 0; i < targets.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(targets.get(i).describe());
        }
        sb.append(" [").append(payload.describe()).append(inbox ? ", inbox" : "").append(']');
        return sb.toString();
    }
}
