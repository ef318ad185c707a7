package io.github.h3connector.jetty;

import java.util.List;
import java.util.Locale;

/** The native QUIC library (quiche with BoringSSL, from {@code io.netty:netty-codec-native-quic}) cannot be loaded here. */
public class QuicNativeLibraryException extends H3StartupException
{
    public QuicNativeLibraryException(String message, Throwable cause)
    {
        super(message, cause);
    }

    static QuicNativeLibraryException forThisPlatform(List<String> supported, Throwable cause)
    {
        String platform = System.getProperty("os.name").toLowerCase(Locale.ROOT).replace(" ", "") + "-" + System.getProperty("os.arch");
        return new QuicNativeLibraryException("native QUIC library (quiche) is not available for " + platform + " (Java " +
            Runtime.version().feature() + "): netty-codec-native-quic supports " + String.join(", ", supported) +
            ": run on one of those, or serve HTTP/3 through a proxy", cause);
    }
}
