/** The Prometheus metrics the proxy exposes at {@code /metrics} (Micrometer). */
@NullMarked
package dev.pypiguard.server.metrics;

import org.jspecify.annotations.NullMarked;
