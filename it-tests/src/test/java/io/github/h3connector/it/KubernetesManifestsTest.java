package io.github.h3connector.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Kubernetes manifests of docs/DEPLOYMENT.md (docs/kubernetes/*.yaml), parsed, with the fields the guide relies on:
 * one LoadBalancer Service with TCP and UDP on 443 that reaches the pods' TCP and UDP 8443, the shared secret from a
 * Kubernetes Secret through {@code jetty.h3connector.secretEnv}, Alt-Svc naming 443, a readiness probe on HTTPS, and
 * a preStop hook that starts Jetty's graceful stop within the termination grace period. The guide shows every file
 * and the it-tests' nginx configuration verbatim.
 */
class KubernetesManifestsTest
{
    static final Path DOCS = Path.of("../docs");
    static final Path MANIFESTS = DOCS.resolve("kubernetes");
    static final Map<String, Map<String, Object>> BY_KIND = new HashMap<>();

    @BeforeAll
    static void parse() throws IOException
    {
        List<Path> files;
        try (var list = Files.list(MANIFESTS))
        {
            files = list.filter(p -> p.toString().endsWith(".yaml")).sorted().collect(Collectors.toList());
        }
        assertEquals(List.of("deployment.yaml", "secret.yaml", "service.yaml"), files.stream().map(p -> p.getFileName().toString()).toList());
        for (Path file : files)
        {
            Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
            for (Object document : yaml.loadAll(Files.readString(file)))
            {
                Map<String, Object> manifest = map(document);
                assertNotNull(manifest.get("apiVersion"), file.toString());
                assertNotNull(map(manifest.get("metadata")).get("name"), file.toString());
                assertEquals(null, BY_KIND.put((String)manifest.get("kind"), manifest), "two of kind " + manifest.get("kind"));
            }
        }
        assertEquals(java.util.Set.of("Deployment", "Service", "Secret"), BY_KIND.keySet());
    }

    @Test
    void theServiceIsOneLoadBalancerWithTcpAndUdpOn443ToThePodsPorts()
    {
        Map<String, Object> service = BY_KIND.get("Service");
        assertEquals("v1", service.get("apiVersion"));
        Map<String, Object> spec = map(service.get("spec"));
        assertEquals("LoadBalancer", spec.get("type"));
        assertEquals("Local", spec.get("externalTrafficPolicy"));
        Map<String, Object> container = container();
        Map<String, Map<String, Object>> containerPorts = new HashMap<>();
        for (Object port : list(container.get("ports")))
            containerPorts.put((String)map(port).get("name"), map(port));
        List<String> protocols = new ArrayList<>();
        for (Object p : list(spec.get("ports")))
        {
            Map<String, Object> port = map(p);
            assertEquals(443, port.get("port"), port.toString());
            Map<String, Object> target = containerPorts.get((String)port.get("targetPort"));
            assertNotNull(target, "targetPort " + port.get("targetPort") + " names no container port");
            assertEquals(port.get("protocol"), target.get("protocol"), port.toString());
            assertEquals(8443, target.get("containerPort"));
            protocols.add((String)port.get("protocol"));
        }
        assertEquals(List.of("TCP", "UDP"), protocols.stream().sorted().toList());
        Map<String, Object> deployment = map(BY_KIND.get("Deployment").get("spec"));
        Map<String, Object> podLabels = map(map(map(deployment.get("template")).get("metadata")).get("labels"));
        assertEquals(spec.get("selector"), podLabels, "the Service selects the Deployment's pods");
        assertEquals(map(deployment.get("selector")).get("matchLabels"), podLabels);
    }

    @Test
    void theSharedSecretComesFromTheSecretThroughSecretEnv()
    {
        Map<String, Object> secret = BY_KIND.get("Secret");
        Map<String, Object> data = map(secret.get("stringData"));
        Map<String, String> sources = new HashMap<>();
        for (Object e : list(container().get("env")))
        {
            Map<String, Object> env = map(e);
            Map<String, Object> from = map(env.get("valueFrom"));
            if (from.containsKey("secretKeyRef"))
            {
                Map<String, Object> ref = map(from.get("secretKeyRef"));
                assertEquals(map(secret.get("metadata")).get("name"), ref.get("name"), env.toString());
                assertTrue(data.containsKey((String)ref.get("key")), "the Secret has no key " + ref.get("key"));
                sources.put((String)env.get("name"), (String)ref.get("key"));
            }
        }
        assertEquals(Map.of("H3_SECRET", "secret", "STOP_KEY", "stop-key"), sources);
        List<Object> args = list(container().get("args"));
        assertTrue(args.contains("jetty.h3connector.secretEnv=H3_SECRET"), args.toString());
        assertTrue(args.contains("jetty.h3connector.advertisedPort=443"), args.toString());
        assertTrue(args.contains("STOP.KEY=$(STOP_KEY)"), args.toString());
    }

    @Test
    void readinessIsHttpsAndPreStopStartsTheGracefulStopWithinTheGracePeriod()
    {
        Map<String, Object> container = container();
        Map<String, Object> readiness = map(map(container.get("readinessProbe")).get("httpGet"));
        assertEquals("HTTPS", readiness.get("scheme"));
        assertEquals("https", readiness.get("port"));
        List<Object> preStop = list(map(map(map(container.get("lifecycle")).get("preStop")).get("exec")).get("command"));
        String command = String.join(" ", preStop.stream().map(String::valueOf).toList());
        assertTrue(command.contains("start.jar --stop STOP.HOST=127.0.0.1 STOP.PORT=8079"), command);
        List<Object> args = list(container.get("args"));
        assertTrue(args.contains("STOP.PORT=8079") && args.contains("STOP.HOST=127.0.0.1"), args.toString());
        int wait = Integer.parseInt(command.replaceAll(".*STOP\\.WAIT=(\\d+).*", "$1"));
        String stopTimeout = args.stream().map(String::valueOf).filter(a -> a.startsWith("jetty.server.stopTimeout=")).findFirst().orElseThrow();
        int stopSeconds = Integer.parseInt(stopTimeout.substring(stopTimeout.indexOf('=') + 1)) / 1000;
        Map<String, Object> podSpec = map(map(map(BY_KIND.get("Deployment").get("spec")).get("template")).get("spec"));
        int grace = (Integer)podSpec.get("terminationGracePeriodSeconds");
        assertTrue(stopSeconds < wait && wait < grace, "stop timeout " + stopSeconds + " s < STOP.WAIT " + wait + " s < grace period " + grace + " s");
    }

    @Test
    void theGuideShowsEveryManifestAndTheTestedNginxConfigurationVerbatim() throws IOException
    {
        String guide = Files.readString(DOCS.resolve("DEPLOYMENT.md"));
        for (String file : List.of("secret.yaml", "deployment.yaml", "service.yaml"))
            assertTrue(guide.contains("```yaml\n" + Files.readString(MANIFESTS.resolve(file)).stripTrailing() + "\n```"), file);
        String nginx = Files.readString(Path.of("src/test/docker/nginx/nginx.conf"));
        assertTrue(guide.contains("```nginx\n" + nginx.stripTrailing() + "\n```"), "nginx.conf");
    }

    private static Map<String, Object> container()
    {
        Map<String, Object> podSpec = map(map(map(BY_KIND.get("Deployment").get("spec")).get("template")).get("spec"));
        List<Object> containers = list(podSpec.get("containers"));
        assertEquals(1, containers.size());
        return map(containers.get(0));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value)
    {
        assertTrue(value instanceof Map, "not a mapping: " + value);
        return (Map<String, Object>)value;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object value)
    {
        assertTrue(value instanceof List, "not a list: " + value);
        return (List<Object>)value;
    }
}
