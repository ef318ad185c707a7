package io.github.h3connector.jetty;

/** The UDP port for QUIC cannot be bound, usually because another process holds it. */
public class UdpPortInUseException extends H3StartupException
{
    public UdpPortInUseException(String message, Throwable cause)
    {
        super(message, cause);
    }
}
