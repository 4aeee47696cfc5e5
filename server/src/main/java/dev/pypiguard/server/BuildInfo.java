package dev.pypiguard.server;

/** The version of this build, from the jar manifest. */
public final class BuildInfo {
  private BuildInfo() {}

  public static String current() {
    String v = BuildInfo.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
