package dev.realtime.room;

/** A room's name and how many connections are in it, at the time of a stats snapshot. */
public record RoomStat(String name, int connections) {
}
