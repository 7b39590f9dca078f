package dev.realtime.server;

/** The build version from the jar manifest, or {@code dev} when running from classes. */
final class Version {
    private Version() {
    }

    static String get() {
        String v = GatewayServer.class.getPackage().getImplementationVersion();
        return v != null ? v : "dev";
    }
}
