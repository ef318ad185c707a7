package io.github.h3connector.jetty;

/**
 * HTTP/3 needs TLS 1.3 and a key that quiche can use: no TLS configured, a keystore that is missing, unreadable or has
 * the wrong password, or no private key usable for TLS 1.3 (EC P-256/P-384/P-521, RSA 2048+ or Ed25519).
 */
public class TlsConfigurationException extends H3StartupException
{
    public TlsConfigurationException(String message)
    {
        super(message);
    }

    public TlsConfigurationException(String message, Throwable cause)
    {
        super(message, cause);
    }
}
