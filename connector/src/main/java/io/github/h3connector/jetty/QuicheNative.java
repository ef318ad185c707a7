package io.github.h3connector.jetty;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.reflect.Field;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;

import org.eclipse.jetty.quic.quiche.QuicheBinding;

/**
 * Loads quiche through the chosen binding before any socket is bound, so that a missing native library or an
 * unusable binding fails start with a message instead of a stack trace on the first packet.
 */
final class QuicheNative
{
    private static final String QUICHE_CLASS = "org.eclipse.jetty.quic.quiche.Quiche";
    private static final String SERVICES = "META-INF/services/" + QuicheBinding.class.getName();
    private static final String FOREIGN_BINDING = "org.eclipse.jetty.quic.quiche.foreign.ForeignQuicheBinding";
    private static final String JNA_BINDING = "org.eclipse.jetty.quic.quiche.jna.JnaQuicheBinding";
    /** Resource names of the libraries that jetty-quiche-native may ship; the jar present decides which are supported. */
    private static final List<String> NATIVE_RESOURCES = List.of(
        "linux-x86-64/libquiche.so", "linux-aarch64/libquiche.so",
        "darwin-x86-64/libquiche.dylib", "darwin-aarch64/libquiche.dylib",
        "win32-x86-64/quiche.dll");

    private QuicheNative()
    {
    }

    /**
     * Makes sure quiche is loaded through the chosen binding.
     *
     * @return the name of the binding in use, {@code "FOREIGN"} or {@code "JNA"}
     * @throws QuicNativeLibraryException when quiche or the binding cannot be loaded
     */
    static String load(QuicheBindingChoice choice)
    {
        int javaVersion = Runtime.version().feature();
        if (choice == QuicheBindingChoice.FOREIGN && javaVersion < 22)
            throw new QuicNativeLibraryException("quiche binding FOREIGN needs Java 22 or later, this is Java " + javaVersion +
                ": run on Java 22+ with --enable-native-access=ALL-UNNAMED, or set the binding to JNA or AUTO", null);

        ClassLoader loader = QuicheBinding.class.getClassLoader();
        Thread thread = Thread.currentThread();
        ClassLoader context = thread.getContextClassLoader();
        // Jetty's Quiche class picks its binding once, through ServiceLoader on the context class loader:
        // showing it only the chosen binding's service file makes the choice stick.
        thread.setContextClassLoader(choice == QuicheBindingChoice.AUTO ? loader : new OnlyBindingClassLoader(loader, className(choice)));
        // Jetty 12.1.5's FFM binding extracts libquiche to the fixed path ${java.io.tmpdir}/<platform>/libquiche.so,
        // overwriting the file that other JVMs on the host have mapped, which crashes them (Jetty #14805; seen here as
        // a SIGSEGV). While quiche loads, java.io.tmpdir points at a directory of this JVM's own.
        String tmpdir = System.getProperty("java.io.tmpdir");
        Path extraction = privateExtractionDirectory(tmpdir);
        Class<?> quiche;
        try
        {
            System.setProperty("java.io.tmpdir", extraction.toString());
            quiche = Class.forName(QUICHE_CLASS, true, loader);
        }
        catch (Throwable x)
        {
            throw new QuicNativeLibraryException(unavailable(loader, choice, rootCause(x)), x);
        }
        finally
        {
            System.setProperty("java.io.tmpdir", tmpdir);
            thread.setContextClassLoader(context);
            deleteIfEmpty(extraction);
        }

        String used = bindingInUse(quiche);
        if (choice != QuicheBindingChoice.AUTO && used != null && !used.equals(choice.name()))
            throw new QuicNativeLibraryException("quiche binding " + choice + " was requested, but this JVM already uses " + used +
                " (the first QUIC connector or client to start chooses it): use the same binding everywhere, or AUTO", null);
        return used == null ? "UNKNOWN" : used;
    }

    private static Path privateExtractionDirectory(String tmpdir)
    {
        try
        {
            Path directory = Files.createTempDirectory(Path.of(tmpdir), "h3connector-quiche-");
            // Registered before the library file that the binding registers, so it is deleted after it.
            directory.toFile().deleteOnExit();
            directory.resolve(platform()).toFile().deleteOnExit();
            return directory;
        }
        catch (IOException x)
        {
            throw new QuicNativeLibraryException("cannot create a directory for the native QUIC library in " + tmpdir + " (" + x +
                "): make java.io.tmpdir writable", x);
        }
    }

    /** Quiche loads once per JVM, and JNA extracts elsewhere: most starts leave the directory empty. */
    private static void deleteIfEmpty(Path extraction)
    {
        try
        {
            Files.deleteIfExists(extraction.resolve(platform()));
            Files.deleteIfExists(extraction);
        }
        catch (IOException notEmpty)
        {
            // the library was extracted here: deleted on exit
        }
    }

    private static String className(QuicheBindingChoice choice)
    {
        return choice == QuicheBindingChoice.FOREIGN ? FOREIGN_BINDING : JNA_BINDING;
    }

    private static String bindingInUse(Class<?> quiche)
    {
        try
        {
            Field field = quiche.getDeclaredField("QUICHE_BINDING");
            field.setAccessible(true);
            Object binding = field.get(null);
            if (binding instanceof CongestionControlQuicheBinding shim)
                binding = shim.delegate();
            String name = binding.getClass().getName();
            return name.equals(FOREIGN_BINDING) ? "FOREIGN" : name.equals(JNA_BINDING) ? "JNA" : name;
        }
        catch (ReflectiveOperationException | RuntimeException x)
        {
            return null; // e.g. on the module path, where the field is not accessible
        }
    }

    /** The JNA-style platform name, for example {@code linux-x86-64}. */
    static String platform()
    {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String osName = os.startsWith("linux") ? "linux" : os.startsWith("mac") || os.startsWith("darwin") ? "darwin" : os.startsWith("windows") ? "win32" : os.replace(' ', '-');
        String archName = switch (arch)
        {
            case "amd64", "x86_64" -> "x86-64";
            case "aarch64", "arm64" -> "aarch64";
            default -> arch;
        };
        return osName + "-" + archName;
    }

    /** The platforms for which the jetty-quiche-native jar on the class path has a library. */
    static List<String> supportedPlatforms(ClassLoader loader)
    {
        List<String> supported = new ArrayList<>();
        for (String resource : NATIVE_RESOURCES)
        {
            if (loader.getResource(resource) != null)
                supported.add(resource.substring(0, resource.indexOf('/')));
        }
        return supported;
    }

    private static String unavailable(ClassLoader loader, QuicheBindingChoice choice, Throwable cause)
    {
        String platform = platform();
        List<String> supported = supportedPlatforms(loader);
        String java = "Java " + Runtime.version().feature();
        if (supported.isEmpty())
            return "native QUIC library (quiche) not found on the class path for " + platform + " (" + java + "): " +
                "add org.mortbay.jetty.quiche:jetty-quiche-native to the class path";
        if (!supported.contains(platform))
            return "native QUIC library (quiche) is not available for " + platform + " (" + java + "); jetty-quiche-native supports " +
                String.join(", ", supported) + ": run on a supported platform, or serve HTTP/3 through a proxy";
        return "native QUIC library (quiche) failed to load on " + platform + " (" + java + ", binding " + choice + "): " +
            cause + ": check that jetty-quic-quiche-jna (or jetty-quic-quiche-foreign on Java 22+) is on the class path";
    }

    private static Throwable rootCause(Throwable x)
    {
        Throwable cause = x;
        while (cause.getCause() != null && cause.getCause() != cause)
            cause = cause.getCause();
        for (Throwable suppressed : cause.getSuppressed())
            return rootCause(suppressed);
        return cause;
    }

    /** A class loader that hides every quiche binding but one from ServiceLoader. */
    private static final class OnlyBindingClassLoader extends ClassLoader
    {
        private final String bindingClass;

        OnlyBindingClassLoader(ClassLoader parent, String bindingClass)
        {
            super(parent);
            this.bindingClass = bindingClass;
        }

        @Override
        public Enumeration<URL> getResources(String name) throws IOException
        {
            Enumeration<URL> resources = super.getResources(name);
            if (!SERVICES.equals(name))
                return resources;
            List<URL> kept = new ArrayList<>();
            for (URL url : Collections.list(resources))
            {
                // The chosen binding, and h3connector's delegating one, which then finds only the chosen binding.
                if (lists(url, bindingClass) || lists(url, CongestionControlQuicheBinding.class.getName()))
                    kept.add(url);
            }
            return Collections.enumeration(kept);
        }

        private static boolean lists(URL url, String className) throws IOException
        {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(url.openStream(), StandardCharsets.UTF_8)))
            {
                return reader.lines().map(line -> line.replaceFirst("#.*", "").strip()).anyMatch(className::equals);
            }
        }
    }
}
