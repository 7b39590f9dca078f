package dev.realtime.ingest;

/**
 * One entry of a route's {@code targets}, as configured. {@code template} is the room template
 * ({@link Kind#ROOM}), the user id template ({@link Kind#USER}) or the single field holding the
 * user ids ({@link Kind#USER_IDS}); null for global and admin. {@code orElse} is tried when this
 * target cannot be resolved; {@code optional} means "no delivery, not counted" when nothing resolves.
 */
record TargetSpec(Kind kind, Template template, boolean optional, TargetSpec orElse) {
    enum Kind { ROOM, USER, USER_IDS, GLOBAL, ADMIN }

    /** Whether this target or its fallbacks can address users (for the inbox check). */
    boolean canReachUsers() {
        return kind == Kind.USER || kind == Kind.USER_IDS || orElse != null && orElse.canReachUsers();
    }

    /** For docs and logs: {@code room survey:{surveyId}}, {@code user {buyerId} else global}. */
    String describe() {
        String self;
        switch (kind) {
            case ROOM:
                self = "room " + template.text();
                break;
            case USER:
                self = "user " + template.text();
                break;
            case USER_IDS:
                self = "userIds " + template.text();
                break;
            case GLOBAL:
                self = "global";
                break;
            default:
                self = "admin";
                break;
        }
        if (orElse != null) {
            self += " else " + orElse.describe();
        }
        return optional ? self + " (optional)" : self;
    }
}
