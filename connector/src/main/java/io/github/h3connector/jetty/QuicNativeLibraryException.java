package io.github.h3connector.jetty;

/**
 * The native QUIC library (quiche, from {@code org.mortbay.jetty.quiche:jetty-quiche-native}) or the requested Java
 * binding to it cannot be loaded on this platform or Java version.
 */
public class QuicNativeLibraryException extends H3StartupException
{
    public QuicNativeLibraryException(String message, Throwable cause)
    {
        super(message, cause);
    }
}
