package dev.realtime.client;

import dev.realtime.protocol.ServerMessage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application's event handlers and listeners, and their dispatch. Each list is an immutable
 * snapshot replaced on change, so a handler may subscribe or unsubscribe while being dispatched.
 * A handler that throws is logged and does not affect the others or the client.
 *
 * <p>Confined to the client's event loop: registration, removal and dispatch all run on it.
 */
final class Listeners {
    private static final Logger log = LoggerFactory.getLogger(Listeners.class);

    private final Map<String, List<Sub<ServerMessage.Event>>> byEvent = new HashMap<>();
    private List<Sub<ServerMessage.Event>> anyEvent = List.of();
    private List<Sub<RealtimeException>> errors = List.of();
    private List<Sub<StateChange>> states = List.of();
    private List<Sub<RejoinResult>> rejoins = List.of();

    /** An identity wrapper, so one lambda registered twice is two subscriptions. Immutable. */
    static final class Sub<T> {
        final Consumer<? super T> handler;

        Sub(Consumer<? super T> handler) {
            this.handler = handler;
        }
    }

    void addEvent(String event, Sub<ServerMessage.Event> sub) {
        byEvent.put(event, plus(byEvent.getOrDefault(event, List.of()), sub));
    }

    void removeEvent(String event, Sub<ServerMessage.Event> sub) {
        List<Sub<ServerMessage.Event>> left = minus(byEvent.getOrDefault(event, List.of()), sub);
        if (left.isEmpty()) {
            byEvent.remove(event);
        } else {
            byEvent.put(event, left);
        }
    }

    void addAnyEvent(Sub<ServerMessage.Event> sub) {
        anyEvent = plus(anyEvent, sub);
    }

    void removeAnyEvent(Sub<ServerMessage.Event> sub) {
        anyEvent = minus(anyEvent, sub);
    }

    void addError(Sub<RealtimeException> sub) {
        errors = plus(errors, sub);
    }

    void removeError(Sub<RealtimeException> sub) {
        errors = minus(errors, sub);
    }

    void addState(Sub<StateChange> sub) {
        states = plus(states, sub);
    }

    void removeState(Sub<StateChange> sub) {
        states = minus(states, sub);
    }

    void addRejoin(Sub<RejoinResult> sub) {
        rejoins = plus(rejoins, sub);
    }

    void removeRejoin(Sub<RejoinResult> sub) {
        rejoins = minus(rejoins, sub);
    }

    /** Delivers an event to the handlers for its name, then to the catch-all handlers. */
    void event(ServerMessage.Event e) {
        List<Sub<ServerMessage.Event>> named = byEvent.get(e.event());
        if (named != null) {
            for (Sub<ServerMessage.Event> s : named) {
                deliverEvent(s, e);
            }
        }
        for (Sub<ServerMessage.Event> s : anyEvent) {
            deliverEvent(s, e);
        }
    }

    private void deliverEvent(Sub<ServerMessage.Event> s, ServerMessage.Event e) {
        try {
            s.handler.accept(e);
        } catch (RealtimeException ex) {
            // A typed handler whose payload does not fit its type: tell the error listeners.
            log.warn("event '{}' not delivered to a handler: {}", e.event(), ex.getMessage());
            error(ex);
        } catch (RuntimeException ex) {
            log.warn("handler for event '{}' threw", e.event(), ex);
        }
    }

    void error(RealtimeException e) {
        notifyAll(errors, e, "error listener");
    }

    void state(StateChange change) {
        notifyAll(states, change, "state listener");
    }

    void rejoin(RejoinResult result) {
        notifyAll(rejoins, result, "rejoin listener");
    }

    private static <T> void notifyAll(List<Sub<T>> subs, T value, String what) {
        for (Sub<T> s : subs) {
            try {
                s.handler.accept(value);
            } catch (RuntimeException ex) {
                log.warn("{} threw", what, ex);
            }
        }
    }

    private static <T> List<Sub<T>> plus(List<Sub<T>> list, Sub<T> sub) {
        List<Sub<T>> out = new ArrayList<>(list.size() + 1);
        out.addAll(list);
        out.add(sub);
        return List.copyOf(out);
    }

    private static <T> List<Sub<T>> minus(List<Sub<T>> list, Sub<T> sub) {
        List<Sub<T>> out = new ArrayList<>(list);
        out.removeIf(s -> s == sub);
        return out.size() == list.size() ? list : List.copyOf(out);
    }
}
