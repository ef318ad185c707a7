/**
 * The servlet-only side of h3connector: {@link io.github.h3connector.servlet.AltSvcFilter}, declared in
 * {@code web.xml}, advertises HTTP/3 with {@code Alt-Svc} and sets the {@link io.github.h3connector.H3Attributes}
 * request attributes in any Jakarta Servlet 5.0+ container, including behind a proxy that terminates HTTP/3.
 *
 * <p>This package depends on the servlet API, the JDK and {@code io.github.h3connector.altsvc} only, never on Jetty,
 * so a WAR can use it with the Jetty dependencies of this artifact excluded.
 */
package io.github.h3connector.servlet;
