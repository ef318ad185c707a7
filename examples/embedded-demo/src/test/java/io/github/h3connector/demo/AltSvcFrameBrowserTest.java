package io.github.h3connector.demo;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.h3connector.jetty.AltSvcCustomizer;
import io.github.h3connector.jetty.AltSvcFrameMode;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.slf4j.LoggerFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Headless Chromium learns HTTP/3 from the HTTP/2 {@code ALTSVC} frame alone: the demo runs with
 * {@code --altsvc-frame} and without its {@code Alt-Svc} header, loads a page over HTTP/2, then switches to HTTP/3.
 *
 * <p>Certificates: Chromium accepts a QUIC certificate only from a "known root", unless the host is in the list that
 * {@code --origin-to-force-quic-on} fills; so QUIC is forced on a dummy port of the same host, {@code localhost:1},
 * which carries no traffic (the server's own port still needs the advertisement), and the self-signed certificate is
 * accepted by its SPKI pin. {@code localhost}, not an IP address, because only a host name goes out in TLS SNI, and the
 * connection frame names the SNI origin. A fresh profile, because Chromium remembers alternative services.
 * Skipped without chromium and chromium-driver, except under {@code CI=true}, where that fails (./test.sh installs them).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class AltSvcFrameBrowserTest
{
    static final Path CHROMIUM = Path.of(System.getProperty("test.chromium", "/usr/lib/chromium/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("test.chromedriver", "/usr/bin/chromedriver"));

    private DemoServer demo;
    private TestClients clients;

    @AfterEach
    void stop() throws Exception
    {
        try
        {
            if (demo != null)
                demo.stop();
        }
        finally
        {
            if (clients != null)
                clients.close();
        }
    }

    @Test
    void chromiumSwitchesToHttp3FromTheFrameAlone() throws Exception
    {
        DemoOptions options = options(DemoOptions.parse("--altsvc-frame").altSvcFrame());
        assertEquals(AltSvcFrameMode.CONNECTION, options.altSvcFrame());
        List<String> polls = browse(options, 20);
        String last = polls.get(polls.size() - 1);
        assertTrue(last.startsWith("h3 "), "no fetch went over HTTP/3 within 20 s: " + polls);
        // The server's view of that same request.
        assertTrue(last.contains("\"protocol\":\"HTTP/3\""), last);
        assertTrue(last.contains("\"http3\":true"), last);
        // Before the switch, every fetch went over HTTP/2, none of them with an Alt-Svc header.
        for (String poll : polls.subList(0, polls.size() - 1))
            assertTrue(poll.startsWith("h2 ") && poll.contains("\"protocol\":\"HTTP/2\"") && poll.contains("\"altSvc\":null"), "before the switch: " + poll);
        assertEquals(1, demo.h3().statistics().getAltSvcFramesSent(), "one HTTP/2 connection, one frame");
        assertEquals(0, demo.h3().statistics().getAltSvcSent(), "no header went out");
    }

    /** The control: the same browser and server without the frame (and without the header) never leave HTTP/2. */
    @Test
    void withoutTheFrameChromiumStaysOnHttp2() throws Exception
    {
        List<String> polls = browse(options(AltSvcFrameMode.OFF), 5);
        assertTrue(polls.size() >= 5, polls.toString());
        for (String poll : polls)
            assertTrue(poll.startsWith("h2 ") && poll.contains("\"protocol\":\"HTTP/2\""), "without the frame: " + poll);
        assertEquals(0, demo.h3().statistics().getAltSvcFramesSent());
        assertEquals(0, demo.h3().statistics().getAltSvcSent());
    }

    private static DemoOptions options(AltSvcFrameMode mode) throws Exception
    {
        return DemoOptions.of("127.0.0.1", 0, DemoServerTest.keyStore(), DemoServerTest.PASSWORD).withAltSvcFrame(mode);
    }

    /**
     * Starts the demo without its Alt-Svc header, loads {@code /protocol} in a fresh Chromium (over HTTP/2), then
     * fetches {@code /protocol} until one goes over HTTP/3 or {@code seconds} pass.
     *
     * @return each fetch as "nextHopProtocol body"
     */
    private List<String> browse(DemoOptions options, int seconds) throws Exception
    {
        boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        // The external-tool rule: fail with CI=true, otherwise skip, with one line naming the packages.
        String missing = CHROMIUM + " or " + CHROMEDRIVER + " is missing: apt-get install chromium chromium-driver (or run sudo ./test.sh)";
        if ("true".equalsIgnoreCase(System.getenv("CI")) && !installed)
            fail("CI=true but " + missing);
        assumeTrue(installed, missing);

        demo = DemoServer.create(options);
        HttpConfiguration http = demo.h3().tlsConnector().getConnectionFactory(HttpConnectionFactory.class).getHttpConfiguration();
        List<HttpConfiguration.Customizer> customizers = new ArrayList<>(http.getCustomizers());
        assertTrue(customizers.removeIf(AltSvcCustomizer.class::isInstance));
        http.setCustomizers(customizers);
        demo.start();
        String origin = "https://localhost:" + demo.port();

        clients = new TestClients();
        ContentResponse h2 = clients.http2.newRequest(origin + "/protocol").timeout(15, TimeUnit.SECONDS).send();
        assertEquals(HttpVersion.HTTP_2, h2.getVersion());
        assertEquals(null, h2.getHeaders().get(HttpHeader.ALT_SVC), "no header: only a frame can advertise HTTP/3");
        demo.h3().statistics().reset();

        String spki = DemoServer.selfSigned(DemoServerTest.keyStore(), DemoServerTest.PASSWORD).spkiSha256Base64();
        Path profile = Files.createTempDirectory("h3-frame-chromium");
        ChromeOptions chrome = new ChromeOptions();
        chrome.setBinary(CHROMIUM.toFile());
        chrome.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--user-data-dir=" + profile,
            "--host-resolver-rules=MAP localhost 127.0.0.1",
            "--ignore-certificate-errors-spki-list=" + spki,
            // a dummy port of the same host: never the server's own origin
            "--origin-to-force-quic-on=localhost:1");
        ChromeDriver driver = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build(), chrome);
        try
        {
            driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
            driver.get(origin + "/protocol");
            assertEquals("h2", driver.executeScript("return performance.getEntriesByType('navigation')[0].nextHopProtocol"),
                "the page itself comes over HTTP/2: nothing forces QUIC on " + origin);
            assertTrue(driver.getPageSource().contains("\"altSvc\":null"), driver.getPageSource());

            driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(15));
            List<String> polls = new ArrayList<>();
            String last = "";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (!last.startsWith("h3 ") && System.nanoTime() < deadline)
            {
                // A fresh URL each time, so the resource timing entry belongs to this request and nothing is cached.
                last = String.valueOf(driver.executeAsyncScript(
                    "const done = arguments[arguments.length - 1];" +
                    "const url = new URL('/protocol?poll=' + Math.random(), location).href;" +
                    "fetch(url, {cache: 'no-store'}).then(r => r.text())" +
                    ".then(t => done(performance.getEntriesByName(url)[0].nextHopProtocol + ' ' + t.trim()))" +
                    ".catch(e => done('ERR ' + e));"));
                polls.add(last);
                if (!last.startsWith("h3 "))
                    Thread.sleep(200);
            }
            LoggerFactory.getLogger(AltSvcFrameBrowserTest.class).info("{}: fetches {}", options.altSvcFrame(), polls);
            return polls;
        }
        finally
        {
            driver.quit();
            deleteQuietly(profile.toFile());
        }
    }

    private static void deleteQuietly(File file)
    {
        File[] children = file.listFiles();
        if (children != null)
            for (File child : children)
                deleteQuietly(child);
        file.delete();
    }
}
