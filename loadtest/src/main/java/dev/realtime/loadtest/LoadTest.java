package dev.realtime.loadtest; public final class LoadTest { public static void main(String[] a) { } }
