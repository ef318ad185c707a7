package io.github.h3connector.jetty;

/**
 * When a new client must prove it owns its address with a Retry round trip (RFC 9000 section 8.1) before the server
 * spends a handshake on it. A Retry costs every new connection one round trip, so the default sends it only under load,
 * as quic-go does; nginx's {@code quic_retry on} is {@link #ALWAYS}.
 */
public enum RetryPolicy
{
    /** Every new connection. */
    ALWAYS,
    /** While {@value #UNDER_LOAD_PENDING_HANDSHAKES} or more handshakes are pending (a flood of spoofed Initials). */
    UNDER_LOAD,
    /** Never. */
    NEVER;

    public static final int UNDER_LOAD_PENDING_HANDSHAKES = 64;

    /** @return Retry is sent while at least this many handshakes are pending */
    int pendingHandshakesThreshold()
    {
        return switch (this)
        {
            case ALWAYS -> 0;
            case UNDER_LOAD -> UNDER_LOAD_PENDING_HANDSHAKES;
            case NEVER -> Integer.MAX_VALUE;
        };
    }
}
