package io.github.h3connector.jetty;

/**
 * Which Java binding talks to the native quiche library. One binding serves the whole JVM: the first HTTP/3 connector
 * (or client) to start fixes it.
 */
public enum QuicheBindingChoice
{
    /** The Foreign Function and Memory API on Java 22 and later, JNA otherwise. */
    AUTO,
    /** {@code jetty-quic-quiche-foreign}: Java 22 or later, run with {@code --enable-native-access=ALL-UNNAMED}. */
    FOREIGN,
    /** {@code jetty-quic-quiche-jna}: any Java version. */
    JNA
}
