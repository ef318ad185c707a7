package io.github.h3connector.it;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.devtools.DevTools;
import org.openqa.selenium.devtools.v156.network.Network;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.GenericContainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scenario 2: headless Chromium (Debian's {@code chromium} and {@code chromium-driver}) through Selenium opens the
 * hello page over HTTP/2, learns about HTTP/3 from {@code Alt-Svc} alone, and later requests use it: the browser's
 * {@code nextHopProtocol} is {@code h3} and the server's {@code /protocol} answer to that same request says HTTP/3.
 *
 * <p>Certificates (DEVELOPERS.md, "Recipe A"): Chromium accepts a QUIC certificate only from a "known root", unless
 * the host is in the list that {@code --origin-to-force-quic-on} fills. So QUIC is forced on a dummy port of the same
 * host, {@code 127.0.0.1:1}, which carries no traffic (forcing applies to that exact host:port only: the server's own
 * port still needs Alt-Svc), and the container's self-signed certificate is accepted by its SPKI pin,
 * {@code --ignore-certificate-errors-spki-list}. A fresh {@code --user-data-dir} each run: Chromium remembers Alt-Svc
 * in the profile.
 */
@DockerAvailable
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class BrowserIT
{
    static final Path CHROMIUM = Path.of(System.getProperty("it.chromium", "/usr/lib/chromium/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("it.chromedriver", "/usr/bin/chromedriver"));
    static final String HOST = "127.0.0.1";
    static GenericContainer<?> jetty;
    static int port;

    @BeforeAll
    static void start() throws Exception
    {
        boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        JettyContainers.requireTool(installed, CHROMIUM + " or " + CHROMEDRIVER + " is missing", "apt-get install chromium chromium-driver");
        JettyContainers.requireDocker();
        port = JettyContainers.freePort();
        jetty = JettyContainers.jetty("browser", port, true);
        jetty.start();
    }

    @AfterAll
    static void stop()
    {
        if (jetty != null)
            jetty.stop();
    }

    /** base64(sha256(SubjectPublicKeyInfo)) of the certificate the container serves. */
    static String spkiPin() throws Exception
    {
        KeyStore keyStore = jetty.copyFileFromContainer("/var/lib/jetty/etc/keystore.p12", in ->
        {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, "storepwd".toCharArray());
            return ks;
        });
        X509Certificate certificate = (X509Certificate)keyStore.getCertificate("jetty");
        return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(certificate.getPublicKey().getEncoded()));
    }

    @Test
    void chromiumFindsHttp3ThroughAltSvcAndUsesIt() throws Exception
    {
        Path profile = Files.createTempDirectory("h3-it-chromium");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--user-data-dir=" + profile,
            "--ignore-certificate-errors-spki-list=" + spkiPin(),
            // a dummy port of the same host: never the server's own origin
            "--origin-to-force-quic-on=" + HOST + ":1");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build();
        ChromeDriver driver = new ChromeDriver(service, options);
        try
        {
            Map<String, String> cdpProtocols = new ConcurrentHashMap<>();
            DevTools devTools = driver.getDevTools();
            devTools.createSession();
            devTools.send(Network.enable(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()));
            String origin = "https://" + HOST + ":" + port;
            devTools.addListener(Network.responseReceived(), r ->
            {
                if (r.getResponse().getUrl().startsWith(origin))
                    cdpProtocols.put(r.getResponse().getUrl().substring(origin.length()), r.getResponse().getProtocol().orElse("?"));
            });

            driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
            driver.get(origin + "/");
            assertEquals("h2", driver.executeScript("return performance.getEntriesByType('navigation')[0].nextHopProtocol"),
                "the page itself comes over HTTP/2: nothing forces QUIC on " + origin);

            driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(15));
            List<String> polls = new ArrayList<>();
            String last = "";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!last.startsWith("h3 ") && System.nanoTime() < deadline)
            {
                // A fresh URL each time, so the resource timing entry belongs to this request and nothing is cached.
                // Chromium may add the entry a moment after the body has been read: look for it for up to 1 s.
                last = String.valueOf(driver.executeAsyncScript(
                    "const done = arguments[arguments.length - 1];" +
                    "const url = new URL('/protocol?poll=' + Math.random(), location).href;" +
                    "const entry = n => { const e = performance.getEntriesByName(url)[0];" +
                    "  return e || n === 0 ? Promise.resolve(e) : new Promise(r => setTimeout(r, 50)).then(() => entry(n - 1)); };" +
                    "fetch(url, {cache: 'no-store'}).then(r => r.text())" +
                    ".then(t => entry(20).then(e => done((e ? e.nextHopProtocol : 'no-timing-entry') + ' ' + t.trim())))" +
                    ".catch(e => done('ERR ' + e));"));
                polls.add(last);
                if (!last.startsWith("h3 "))
                    Thread.sleep(200);
            }
            LoggerFactory.getLogger(BrowserIT.class).info("fetches: {}; CDP protocols: {}", polls, cdpProtocols);
            assertTrue(last.startsWith("h3 "), "no fetch went over HTTP/3 within 20 s: " + polls);
            // The server's view of that same request.
            assertTrue(last.contains("\"protocol\":\"HTTP/3\""), last);
            assertTrue(last.contains("\"http3\":true"), last);
            // Before the switch, the fetches went over the HTTP/2 connection that carried the Alt-Svc.
            for (String poll : polls.subList(0, polls.size() - 1))
                assertTrue(poll.startsWith("h2 ") && poll.contains("\"protocol\":\"HTTP/2\""), "before the switch: " + poll);
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
