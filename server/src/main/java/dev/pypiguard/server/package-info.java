/**
 * The proxy server: starting and stopping it ({@code ProxyServer}) with its egress settings and TLS
 * material; the request path, the CLI, configuration and storage are in the subpackages.
 */
@NullMarked
package dev.pypiguard.server;

import org.jspecify.annotations.NullMarked;
