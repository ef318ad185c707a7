package io.github.h3connector.servlet;

import java.net.URI;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link ProtocolServlet} behind {@link AltSvcFilter}: the JSON the sample WARs serve at {@code /protocol}. */
@Timeout(30)
class ProtocolServletTest
{
    @Test
    void reportsTheForwardedProtocolAndTheAltSvcOfThisResponse() throws Exception
    {
        HttpClient client = new HttpClient();
        client.start();
        try (TestServer server = new TestServer().param("h3-port", "443").param("advertise", "always")
            .param("trusted-proxies", "127.0.0.0/8, ::1").start())
        {
            URI protocol = server.uri("x").resolve("/protocol");
            ContentResponse direct = client.newRequest(protocol).timeout(10, TimeUnit.SECONDS).send();
            assertEquals("no-store", direct.getHeaders().get("Cache-Control"));
            assertEquals("{\"protocol\":\"HTTP/1.1\",\"http3\":false,\"hopProtocol\":\"HTTP/1.1\",\"protocolSource\":\"connection\"," +
                "\"servletProtocol\":\"HTTP/1.1\",\"altSvc\":\"h3=\\\":443\\\"; ma=86400\"}", direct.getContentAsString());
            ContentResponse forwarded = client.newRequest(protocol).headers(h -> h.add("Via", "3.0 edge")).timeout(10, TimeUnit.SECONDS).send();
            assertEquals("{\"protocol\":\"HTTP/3\",\"http3\":true,\"hopProtocol\":\"HTTP/1.1\",\"protocolSource\":\"forwarded\"," +
                "\"servletProtocol\":\"HTTP/1.1\",\"altSvc\":\"h3=\\\":443\\\"; ma=86400\"}", forwarded.getContentAsString());
        }
        finally
        {
            client.stop();
        }
    }

    @Test
    void escapesJsonStrings()
    {
        assertEquals("\"a\\\"b\\\\c\\u000a\"", ProtocolServlet.string("a\"b\\c\n"));
        assertEquals("null", ProtocolServlet.string(null));
    }
}
