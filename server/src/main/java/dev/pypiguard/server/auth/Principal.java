package dev.pypiguard.server.auth;

/**
 * A client that proved who it is: the name of its token or user (shown in the access and audit
 * logs, never its secret) and its role.
 */
public record Principal(String name, Role role) {}
