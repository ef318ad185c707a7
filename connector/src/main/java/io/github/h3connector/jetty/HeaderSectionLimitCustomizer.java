package io.github.h3connector.jetty;

import java.util.function.IntSupplier;

import org.eclipse.jetty.http.BadMessageException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;

/**
 * Answers an HTTP/3 request whose header section is larger than the server's limit with {@code 431 Request Header
 * Fields Too Large} on its own stream, as HTTP/1.1 and HTTP/2 do.
 *
 * <p>Jetty 12.1.5's QPACK decoder treats a section over its limit as a connection error ({@code
 * QPACK_DECOMPRESSION_FAILED}), failing every other request on the connection. So the decoder of each session gets a
 * higher, hard limit ({@link StreamIsolatingHTTP3ServerConnectionFactory#HARD_LIMIT_FACTOR} times the limit) and the
 * limit itself is enforced here, measured as RFC 9114 section 4.2.2 does: name and value lengths plus 32 per field,
 * pseudo-header fields included. Requests over the hard limit still close the connection. The limit the server
 * advertises ({@code SETTINGS_MAX_FIELD_SECTION_SIZE}) is unchanged.
 */
final class HeaderSectionLimitCustomizer implements HttpConfiguration.Customizer
{
    private static final int FIELD_OVERHEAD = 32;

    private final IntSupplier limit;

    HeaderSectionLimitCustomizer(IntSupplier limit)
    {
        this.limit = limit;
    }

    @Override
    public Request customize(Request request, HttpFields.Mutable responseHeaders)
    {
        if (request.getConnectionMetaData().getHttpVersion() != HttpVersion.HTTP_3)
            return request;
        int max = limit.getAsInt();
        if (max > 0)
        {
            long size = sectionSize(request);
            if (size > max)
                throw new BadMessageException(HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE_431, "header section of " + size + " bytes, limit " + max);
        }
        return request;
    }

    static long sectionSize(Request request)
    {
        HttpURI uri = request.getHttpURI();
        long size = field(":method", request.getMethod()) + field(":scheme", uri.getScheme()) +
            field(":authority", uri.getAuthority()) + field(":path", uri.getPathQuery());
        for (HttpField field : request.getHeaders())
            size += field(field.getName(), field.getValue());
        return size;
    }

    private static long field(String name, String value)
    {
        return value == null ? 0 : name.length() + value.length() + FIELD_OVERHEAD;
    }
}
