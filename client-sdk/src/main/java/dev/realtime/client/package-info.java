/**
 * Java client for the realtime gateway's native WebSocket protocol.
 *
 * <p>Start with {@link dev.realtime.client.RealtimeClient#builder()}. Every public type documents who
 * owns its mutable state: the value types ({@link dev.realtime.client.ConnectedInfo},
 * {@link dev.realtime.client.StateChange}, {@link dev.realtime.client.RejoinResult},
 * {@link dev.realtime.client.ReconnectPolicy}, {@link dev.realtime.client.RealtimeException}) are
 * immutable, the builder is for one thread, and a client's state is confined to one event loop
 * thread of that client. See {@code docs/client-sdk.md}.
 */
package dev.realtime.client;
