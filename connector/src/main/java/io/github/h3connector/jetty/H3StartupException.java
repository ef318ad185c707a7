package io.github.h3connector.jetty;

/**
 * Start of the HTTP/3 connector failed because a requirement is not met. The message is one line that says what is
 * wrong and how to fix it. The subclasses name the requirement, so callers can tell them apart without parsing text.
 * When this is thrown from {@code Server.start()}, Jetty has closed every connector it had opened: no port stays bound.
 */
public class H3StartupException extends IllegalStateException
{
    public H3StartupException(String message)
    {
        super(message);
    }

    public H3StartupException(String message, Throwable cause)
    {
        super(message, cause);
    }
}
