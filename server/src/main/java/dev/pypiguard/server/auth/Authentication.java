package dev.pypiguard.server.auth;

/** What the credentials of a request prove. */
public sealed interface Authentication {
  /** The request carries no credentials. */
  record Missing() implements Authentication {}

  /** The credentials name a known token or user. */
  record Authenticated(Principal principal) implements Authentication {}

  /** The credentials are malformed or wrong; {@code why} never contains a secret. */
  record Refused(String why) implements Authentication {}
}
