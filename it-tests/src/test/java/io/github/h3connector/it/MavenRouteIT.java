package io.github.h3connector.it;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.testcontainers.containers.GenericContainer;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The second install route: a jetty-base that got only {@code modules/h3connector.mod} and {@code etc/h3connector.xml};
 * {@code start.jar --add-modules=h3connector maven.local.repo=/opt/m2 maven.offline=true} copied the h3connector jar
 * and the io.netty jars of the QUIC engine from a local Maven repository through the module's {@code [files] maven://}
 * entries (image build, see the Dockerfile). No webapp is deployed: Jetty's 404 over HTTP/3 shows that the connector from that jar runs.
 */
@DockerAvailable
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class MavenRouteIT
{
    static GenericContainer<?> jetty;
    static int port;

    @BeforeAll
    static void start() throws Exception
    {
        JettyContainers.requireDocker();
        port = JettyContainers.freePort();
        jetty = JettyContainers.jetty("maven-route", port, true)
            .withWorkingDirectory("/var/lib/jetty-maven")
            .withCommand("java", "-jar", "/opt/jetty-home-12.1.5/start.jar", "jetty.base=/var/lib/jetty-maven",
                "jetty.h3connector.advertisedPort=" + port);
        jetty.start();
    }

    @AfterAll
    static void stop()
    {
        if (jetty != null)
            jetty.stop();
    }

    @Test
    void moduleInstalledFromTheLocalRepositoryServesHttp3() throws Exception
    {
        HttpClient h2 = Clients.http2();
        HttpClient h3 = Clients.http3();
        try
        {
            ContentResponse overTcp = h2.newRequest(Clients.url(port, "/")).timeout(20, TimeUnit.SECONDS).send();
            assertEquals(404, overTcp.getStatus());
            assertEquals(HttpVersion.HTTP_2, overTcp.getVersion());
            assertEquals(List.of("h3=\":" + port + "\"; ma=86400"), overTcp.getHeaders().getValuesList(HttpHeader.ALT_SVC));

            ContentResponse overQuic = h3.newRequest(Clients.url(port, "/")).timeout(20, TimeUnit.SECONDS).send();
            assertEquals(404, overQuic.getStatus());
            assertEquals(HttpVersion.HTTP_3, overQuic.getVersion());
        }
        finally
        {
            h2.stop();
            h3.stop();
        }
    }
}
