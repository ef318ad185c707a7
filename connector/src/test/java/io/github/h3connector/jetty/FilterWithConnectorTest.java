package io.github.h3connector.jetty;

import java.util.EnumSet;
import java.util.List;

import io.github.h3connector.servlet.AltSvcFilter;
import jakarta.servlet.DispatcherType;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A WAR that declares {@link AltSvcFilter} deployed on a server that uses h3connector's connector: the connector, which
 * knows whether its QUIC listener runs, owns {@code Alt-Svc}; the filter agrees with its attributes.
 */
@Timeout(60)
class FilterWithConnectorTest
{
    @Test
    void theConnectorsAdvertisementAndAttributesWin() throws Exception
    {
        try (TestServer server = new TestServer(H3Options.builder()))
        {
            FilterHolder filter = new FilterHolder(AltSvcFilter.class);
            filter.setInitParameter("h3-port", "9999");
            ((ServletContextHandler)server.server.getHandler()).addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ERROR, DispatcherType.ASYNC));
            server.server.start();
            try (TestClients clients = new TestClients())
            {
                String expected = "h3=\":" + server.udpPort() + "\"; ma=86400";
                ContentResponse h2 = clients.http2.GET(server.url("/protocol"));
                assertEquals(List.of(expected), h2.getHeaders().getValuesList(HttpHeader.ALT_SVC));
                assertEquals("{\"protocol\":\"HTTP/2\",\"http3\":false,\"hopProtocol\":\"HTTP/2\",\"protocolSource\":\"connection\",\"servletProtocol\":\"HTTP/2.0\",\"altSvc\":\"h3=\\\":" +
                    server.udpPort() + "\\\"; ma=86400\"}", h2.getContentAsString());
                ContentResponse notFound = clients.http1.GET(server.url("/missing"));
                assertEquals(List.of(expected), notFound.getHeaders().getValuesList(HttpHeader.ALT_SVC));
                ContentResponse h3 = clients.http3.GET(server.url("/protocol"));
                assertEquals(List.of(), h3.getHeaders().getValuesList(HttpHeader.ALT_SVC));
                assertEquals("{\"protocol\":\"HTTP/3\",\"http3\":true,\"hopProtocol\":\"HTTP/3\",\"protocolSource\":\"connection\",\"servletProtocol\":\"HTTP/3.0\",\"altSvc\":null}",
                    h3.getContentAsString());
            }
        }
    }
}
