package dev.pypiguard.core.blob;

import java.io.IOException;

/** Bytes that do not match the digest or size the upstream declared for them. */
public final class IntegrityException extends IOException {
  private static final long serialVersionUID = 1L;

  public IntegrityException(String message) {
    super(message);
  }
}
