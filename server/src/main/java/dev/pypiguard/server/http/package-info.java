/**
 * The HTTP side on Netty: the channel pipeline, connection limits, in-order responses, routes, the
 * cached-page fast path, file sending with ranges, generated core metadata, the legacy JSON API,
 * and the access and audit logs.
 */
@NullMarked
package dev.pypiguard.server.http;

import org.jspecify.annotations.NullMarked;
