package dev.pypiguard.core.simple;

/** The three representations of a simple-API page that PEP 691 defines. */
public enum SimpleFormat {
  /** {@code application/vnd.pypi.simple.v1+json}. */
  JSON_V1("application/vnd.pypi.simple.v1+json"),
  /** {@code application/vnd.pypi.simple.v1+html}. */
  HTML_V1("application/vnd.pypi.simple.v1+html"),
  /** {@code text/html}, the PEP 503 legacy type and the default. */
  HTML_LEGACY("text/html");

  private final String mediaType;

  SimpleFormat(String mediaType) {
    this.mediaType = mediaType;
  }

  /** The media type written in {@code Content-Type}. */
  public String mediaType() {
    return mediaType;
  }

  public boolean isJson() {
    return this == JSON_V1;
  }
}
