/**
 * Fetching from upstream indexes: the HTTP client for pages and files with its limits and retries
 * ({@code UpstreamClient}), the configured upstreams, and local mirror trees ({@code file:DIR}).
 */
@NullMarked
package dev.pypiguard.core.upstream;

import org.jspecify.annotations.NullMarked;
