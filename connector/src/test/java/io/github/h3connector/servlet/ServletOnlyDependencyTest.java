package io.github.h3connector.servlet;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.github.h3connector.H3Attributes;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Proves that the filter needs the servlet API and the JDK only: it runs in a class loader that has nothing else, and
 * no class of its packages refers to Jetty.
 */
class ServletOnlyDependencyTest
{
    private static Path classes() throws Exception
    {
        return Path.of(AltSvcFilter.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static URL servletApi() throws Exception
    {
        return jakarta.servlet.Filter.class.getProtectionDomain().getCodeSource().getLocation();
    }

    @Test
    void runsWithoutJetty() throws Exception
    {
        URL[] urls = {classes().toUri().toURL(), servletApi()};
        assertTrue(servletApi().getPath().contains("jakarta.servlet-api"), servletApi().toString());
        try (URLClassLoader loader = new URLClassLoader(urls, ClassLoader.getPlatformClassLoader()))
        {
            assertThrows(ClassNotFoundException.class, () -> loader.loadClass("org.eclipse.jetty.server.Server"));

            Class<?> filterClass = loader.loadClass(AltSvcFilter.class.getName());
            assertEquals(loader, filterClass.getClassLoader());
            Object filter = filterClass.getConstructor().newInstance();

            Map<String, String> params = Map.of("h3-port", "443", "trusted-proxies", "10.0.0.0/8, ::1", "advertise", "secure");
            Class<?> filterConfig = loader.loadClass("jakarta.servlet.FilterConfig");
            Object config = proxy(loader, filterConfig, (p, method, args) -> switch (method.getName())
            {
                case "getFilterName" -> "AltSvcFilter";
                case "getServletContext" -> null;
                case "getInitParameter" -> params.get((String)args[0]);
                case "getInitParameterNames" -> Collections.enumeration(params.keySet());
                default -> throw new UnsupportedOperationException(method.getName());
            });
            filterClass.getMethod("init", filterConfig).invoke(filter, config);

            Map<String, Object> attributes = new HashMap<>();
            Class<?> dispatcherType = loader.loadClass("jakarta.servlet.DispatcherType");
            Object request = proxy(loader, loader.loadClass("jakarta.servlet.http.HttpServletRequest"), (p, method, args) -> switch (method.getName())
            {
                case "getRemoteAddr" -> "10.1.2.3";
                case "getProtocol" -> "HTTP/1.1";
                case "isSecure" -> false;
                case "getDispatcherType" -> dispatcherType.getField("REQUEST").get(null);
                case "getAttribute" -> attributes.get((String)args[0]);
                case "setAttribute" -> attributes.put((String)args[0], args[1]);
                case "removeAttribute" -> attributes.remove((String)args[0]);
                case "getHeaders" -> Collections.enumeration(switch ((String)args[0])
                {
                    case "Via" -> List.of("3 x, HTTP/3.0 edge");
                    case "X-Forwarded-Proto" -> List.of("https");
                    default -> List.<String>of();
                });
                case "getHeader" -> null;
                default -> throw new UnsupportedOperationException(method.getName());
            });
            Map<String, String> headers = new HashMap<>();
            Object response = proxy(loader, loader.loadClass("jakarta.servlet.http.HttpServletResponse"), (p, method, args) -> switch (method.getName())
            {
                case "setHeader" -> headers.put((String)args[0], (String)args[1]);
                case "getHeader" -> headers.get((String)args[0]);
                case "isCommitted" -> false;
                default -> throw new UnsupportedOperationException(method.getName());
            });
            List<Object> passedOn = new ArrayList<>();
            Class<?> filterChain = loader.loadClass("jakarta.servlet.FilterChain");
            Method setHeader = loader.loadClass("jakarta.servlet.http.HttpServletResponse").getMethod("setHeader", String.class, String.class);
            Object chain = proxy(loader, filterChain, (p, method, args) ->
            {
                passedOn.add(args[1]);
                // The application sets its own value through what the filter passed on.
                setHeader.invoke(args[1], "Alt-Svc", "clear");
                return null;
            });
            Class<?> servletRequest = loader.loadClass("jakarta.servlet.ServletRequest");
            Class<?> servletResponse = loader.loadClass("jakarta.servlet.ServletResponse");
            filterClass.getMethod("doFilter", servletRequest, servletResponse, filterChain).invoke(filter, request, response, chain);

            assertEquals(1, passedOn.size());
            assertTrue(loader.loadClass("jakarta.servlet.http.HttpServletResponseWrapper").isInstance(passedOn.get(0)));
            assertEquals("clear", headers.get("Alt-Svc"), "set before the chain, then replaced by the application");
            assertEquals("HTTP/3", attributes.get(H3Attributes.PROTOCOL));
            assertEquals(Boolean.TRUE, attributes.get(H3Attributes.HTTP3));
            assertEquals("HTTP/1.1", attributes.get(H3Attributes.HOP_PROTOCOL));
            assertEquals(H3Attributes.SOURCE_FORWARDED, attributes.get(H3Attributes.PROTOCOL_SOURCE));
        }
    }

    private static Object proxy(ClassLoader loader, Class<?> type, InvocationHandler handler)
    {
        return Proxy.newProxyInstance(loader, new Class<?>[]{type}, (p, method, args) ->
        {
            if (method.getDeclaringClass() == Object.class)
                return objectMethod(p, method, args);
            return handler.invoke(p, method, args);
        });
    }

    private static Object objectMethod(Object proxy, Method method, Object[] args)
    {
        return switch (method.getName())
        {
            case "equals" -> proxy == args[0];
            case "hashCode" -> System.identityHashCode(proxy);
            default -> "proxy";
        };
    }

    /** No class of the filter's packages, nor of the root package, names a Jetty class in its constant pool. */
    @Test
    void noJettyReferenceInBytecode() throws Exception
    {
        Path root = classes().resolve("io/github/h3connector");
        byte[] needle = "org/eclipse/jetty".getBytes(StandardCharsets.US_ASCII);
        List<Path> scanned = new ArrayList<>();
        for (Path dir : List.of(root.resolve("servlet"), root.resolve("altsvc"), root))
        {
            try (Stream<Path> files = Files.list(dir))
            {
                for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList())
                {
                    scanned.add(file);
                    assertFalse(contains(Files.readAllBytes(file), needle), file + " refers to org/eclipse/jetty");
                }
            }
        }
        assertTrue(scanned.contains(root.resolve("servlet/AltSvcFilter.class")), scanned.toString());
        assertTrue(scanned.stream().anyMatch(f -> f.getFileName().toString().startsWith("AltSvcFilter$")), "nested classes scanned");
        assertTrue(scanned.contains(root.resolve("H3Attributes.class")), scanned.toString());
        assertTrue(scanned.contains(root.resolve("altsvc/AltSvc.class")), scanned.toString());
        // The scan does find a reference where there is one.
        assertTrue(contains(Files.readAllBytes(classes().resolve("io/github/h3connector/jetty/ProtocolCustomizer.class")), needle));
    }

    @Test
    void noJettyImportInSources() throws Exception
    {
        Path sources = Path.of("src/main/java/io/github/h3connector");
        assertTrue(Files.isDirectory(sources), sources.toAbsolutePath().toString());
        for (Path dir : List.of(sources.resolve("servlet"), sources.resolve("altsvc"), sources))
        {
            try (Stream<Path> files = Files.list(dir))
            {
                for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList())
                {
                    String text = Files.readString(file);
                    assertFalse(text.contains("import org.eclipse.jetty"), file + " imports Jetty");
                    assertFalse(text.contains("import static org.eclipse.jetty"), file + " imports Jetty");
                }
            }
        }
    }

    private static boolean contains(byte[] haystack, byte[] needle)
    {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++)
        {
            for (int j = 0; j < needle.length; j++)
            {
                if (haystack[i + j] != needle[j])
                    continue outer;
            }
            return true;
        }
        return false;
    }
}
