/**
 * The Alt-Svc engine: builds, validates and parses HTTP Alternative Services field values
 * (<a href="https://www.rfc-editor.org/rfc/rfc7838#section-3">RFC 7838 §3</a>).
 *
 * <p>{@link io.github.h3connector.altsvc.Alternative} is one {@code alt-value}, {@link io.github.h3connector.altsvc.AltSvc}
 * is a whole field value. Both are immutable and pre-compute their header text, so that they can be created once at
 * start-up and written on every response without further work.
 *
 * <p>This package depends on the JDK only: both the Jetty customizer and the servlet filter use it.
 */
package io.github.h3connector.altsvc;
