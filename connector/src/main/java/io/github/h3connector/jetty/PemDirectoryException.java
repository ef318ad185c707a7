package io.github.h3connector.jetty;

/**
 * quiche reads the TLS key from PEM files, so the connector exports the key to a work directory. That directory must be
 * writable and private to the server's user (no group or other permissions), because it holds the private key.
 */
public class PemDirectoryException extends H3StartupException
{
    public PemDirectoryException(String message)
    {
        super(message);
    }

    public PemDirectoryException(String message, Throwable cause)
    {
        super(message, cause);
    }
}
