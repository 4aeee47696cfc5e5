/**
 * Who a client is and what it may do: the tokens file and its principals ({@link
 * dev.pypiguard.server.auth.AccessTokens}), the roles {@code read} and {@code admin}, what the
 * credentials of a request prove ({@link dev.pypiguard.server.auth.Authentication}), and the access
 * decision on a route's required role ({@link dev.pypiguard.server.auth.AccessControl}; README
 * "Access control"). It knows nothing of HTTP responses: the server turns a refusal into its 401 or
 * 403.
 */
@NullMarked
package dev.pypiguard.server.auth;

import org.jspecify.annotations.NullMarked;
