package io.github.h3connector.altsvc;

/**
 * Thrown when an Alt-Svc value (RFC 7838 §3) cannot be built or parsed.
 *
 * <p>The message is always a single line that names the offending part, shows the offending value (with
 * control characters escaped, so that a hostile value cannot forge log lines) and says what is required.
 */
public class AltSvcException extends IllegalArgumentException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message a one-line description of the problem
     */
    public AltSvcException(String message)
    {
        super(message);
    }
}
