/**
 * Operators' view and control: access tokens, principals and roles, the status page, recent blocks,
 * upstream health, and the admin operations.
 */
@NullMarked
package dev.pypiguard.server.admin;

import org.jspecify.annotations.NullMarked;
