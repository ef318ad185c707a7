package io.github.h3connector.bench;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.github.h3connector.servlet.AltSvcFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * {@link AltSvcFilter#doFilter} on its hot path (a secure HTTP/2 request, no proxy headers, default init-params with
 * {@code h3-port=8443}), with minimal request and response implementations that allocate nothing themselves
 * (attributes and headers in fixed arrays, cleared per call) and a chain that only keeps the response it is given,
 * as a servlet would. Beside it, a naive filter that formats the header per request with {@code String.format}.
 * Any servlet API method the filter calls that the stubs do not implement fails the run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AltSvcFilterBenchmark
{
    private final AltSvcFilter filter = new AltSvcFilter();
    private final Filter naive = new NaiveAltSvcFilter(8443, 86400);
    private final StubRequest request = new StubRequest();
    private final StubResponse response = new StubResponse();
    private final KeepingChain chain = new KeepingChain();

    @Setup(Level.Trial)
    public void setUp() throws Exception
    {
        filter.init(config(Map.of(AltSvcFilter.H3_PORT_PARAMETER, "8443")));
        naive.init(config(Map.of()));
        for (Filter f : new Filter[]{filter, naive})
        {
            request.clear();
            response.clear();
            f.doFilter(request, response, chain);
            if (!"h3=\":8443\"; ma=86400".equals(response.altSvc))
                throw new IllegalStateException(f + " did not set Alt-Svc, got " + response.altSvc);
        }
    }

    @Benchmark
    public Object altSvcFilter() throws Exception
    {
        request.clear();
        response.clear();
        filter.doFilter(request, response, chain);
        return chain.response;
    }

    @Benchmark
    public Object naiveStringFormatFilter() throws Exception
    {
        request.clear();
        response.clear();
        naive.doFilter(request, response, chain);
        return chain.response;
    }

    /** For scale: the stubs' reset and the chain call alone. */
    @Benchmark
    public Object noFilter() throws Exception
    {
        request.clear();
        response.clear();
        chain.doFilter(request, response);
        return chain.response;
    }

    /** Formats the header on every request, as a first version of such a filter often does. */
    static final class NaiveAltSvcFilter implements Filter
    {
        private final int port;
        private final long maxAge;

        NaiveAltSvcFilter(int port, long maxAge)
        {
            this.port = port;
            this.maxAge = maxAge;
        }

        @Override
        public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, jakarta.servlet.ServletException
        {
            if (req.isSecure())
                ((HttpServletResponse)res).setHeader("Alt-Svc", String.format("h3=\":%d\"; ma=%d", port, maxAge));
            chain.doFilter(req, res);
        }
    }

    static final class KeepingChain implements FilterChain
    {
        ServletResponse response;

        @Override
        public void doFilter(ServletRequest request, ServletResponse response)
        {
            this.response = response;
        }
    }

    private static FilterConfig config(Map<String, String> parameters)
    {
        return new FilterConfig()
        {
            @Override
            public String getFilterName()
            {
                return "bench";
            }

            @Override
            public ServletContext getServletContext()
            {
                return null;
            }

            @Override
            public String getInitParameter(String name)
            {
                return parameters.get(name);
            }

            @Override
            public Enumeration<String> getInitParameterNames()
            {
                return Collections.enumeration(parameters.keySet());
            }
        };
    }

    private static <T> T unsupported(Class<T> type)
    {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[]{type}, (proxy, method, args) ->
        {
            throw new UnsupportedOperationException("benchmark stub: " + method.getName());
        }));
    }

    /** A secure HTTP/2 request from 192.0.2.1 without headers; attributes in fixed arrays. */
    static final class StubRequest extends HttpServletRequestWrapper
    {
        private final String[] names = new String[16];
        private final Object[] values = new Object[16];
        private int size;

        StubRequest()
        {
            super(unsupported(HttpServletRequest.class));
        }

        void clear()
        {
            for (int i = 0; i < size; i++)
            {
                names[i] = null;
                values[i] = null;
            }
            size = 0;
        }

        @Override
        public Object getAttribute(String name)
        {
            for (int i = 0; i < size; i++)
            {
                if (names[i].equals(name))
                    return values[i];
            }
            return null;
        }

        @Override
        public void setAttribute(String name, Object value)
        {
            for (int i = 0; i < size; i++)
            {
                if (names[i].equals(name))
                {
                    values[i] = value;
                    return;
                }
            }
            names[size] = name;
            values[size++] = value;
        }

        @Override
        public void removeAttribute(String name)
        {
            setAttribute(name, null);
        }

        @Override
        public String getProtocol()
        {
            return "HTTP/2.0";
        }

        @Override
        public boolean isSecure()
        {
            return true;
        }

        @Override
        public String getScheme()
        {
            return "https";
        }

        @Override
        public String getRemoteAddr()
        {
            return "192.0.2.1";
        }

        @Override
        public String getHeader(String name)
        {
            return null;
        }

        @Override
        public Enumeration<String> getHeaders(String name)
        {
            return Collections.emptyEnumeration();
        }

        @Override
        public DispatcherType getDispatcherType()
        {
            return DispatcherType.REQUEST;
        }
    }

    /** A response that only keeps {@code Alt-Svc}. */
    static final class StubResponse extends HttpServletResponseWrapper
    {
        String altSvc;

        StubResponse()
        {
            super(unsupported(HttpServletResponse.class));
        }

        void clear()
        {
            altSvc = null;
        }

        @Override
        public void setHeader(String name, String value)
        {
            if ("Alt-Svc".equalsIgnoreCase(name))
                altSvc = value;
        }

        @Override
        public void addHeader(String name, String value)
        {
            if ("Alt-Svc".equalsIgnoreCase(name) && altSvc == null)
                altSvc = value;
        }

        @Override
        public String getHeader(String name)
        {
            return "Alt-Svc".equalsIgnoreCase(name) ? altSvc : null;
        }

        @Override
        public boolean containsHeader(String name)
        {
            return getHeader(name) != null;
        }

        @Override
        public boolean isCommitted()
        {
            return false;
        }
    }
}
