/**
 * The Simple Repository API: the page model ({@code ProjectPage}, {@code FileEntry}, {@code
 * ProjectIndex}), its HTML (PEP 503) and JSON (PEP 691) codecs, and content negotiation between
 * them.
 */
@NullMarked
package dev.pypiguard.core.simple;

import org.jspecify.annotations.NullMarked;
