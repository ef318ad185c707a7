package io.github.h3connector.jetty;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;

/**
 * Names the node that served a response, in the {@value #HEADER} response header, on every protocol of the HTTP
 * configuration it is added to (HTTPS and HTTP/3 share one). For tests and debugging behind a load balancer: it tells
 * which node a connection landed on. Off unless added (module property {@code jetty.h3connector.nodeName}).
 *
 * <pre>{@code
 * httpConfiguration.addCustomizer(new NodeNameCustomizer("node-1"));   // H3-Node: node-1
 * }</pre>
 */
public final class NodeNameCustomizer implements HttpConfiguration.Customizer
{
    public static final String HEADER = "H3-Node";

    private final HttpField field;

    /** @param nodeName 1 to 64 characters of {@code A-Z a-z 0-9 . _ -} (a host or pod name) */
    public NodeNameCustomizer(String nodeName)
    {
        if (nodeName == null || !nodeName.matches("[A-Za-z0-9._-]{1,64}"))
            throw new IllegalArgumentException("the node name must be 1 to 64 characters of A-Z a-z 0-9 . _ - (a host or pod name), got '" +
                (nodeName == null ? "null" : nodeName.replaceAll("\\p{Cntrl}", "?")) + "'");
        field = new HttpField(HEADER, nodeName);
    }

    /** @return the node name */
    public String nodeName()
    {
        return field.getValue();
    }

    @Override
    public Request customize(Request request, HttpFields.Mutable responseHeaders)
    {
        responseHeaders.put(field);
        return request;
    }

    @Override
    public String toString()
    {
        return "NodeNameCustomizer{" + field.getValue() + "}";
    }
}
