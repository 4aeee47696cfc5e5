/**
 * Look-alike names: the popular-projects list and the {@code lookalikes} rule that holds a new name
 * close to a popular one.
 */
@NullMarked
package dev.pypiguard.policy.names;

import org.jspecify.annotations.NullMarked;
