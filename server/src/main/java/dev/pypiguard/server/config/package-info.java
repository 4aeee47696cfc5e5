/**
 * The server configuration: the config file and command-line flags merged into {@code
 * ServerConfig}, its sections (upstreams, limits, storage, auth, trusted proxies), and the watched
 * files that reload while it runs.
 */
@NullMarked
package dev.pypiguard.server.config;

import org.jspecify.annotations.NullMarked;
