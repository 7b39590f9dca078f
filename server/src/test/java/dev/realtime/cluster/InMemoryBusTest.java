package dev.realtime.cluster;

/** The bus contract for in-memory buses sharing one hub. */
class InMemoryBusTest extends BusContract {
    private final InMemoryBus.Hub hub = new InMemoryBus.Hub();

    @Override
    Bus[] pair() {
        return new Bus[] {new InMemoryBus(hub), new InMemoryBus(hub)};
    }
}
