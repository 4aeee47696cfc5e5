/**
 * The policy engine: rules, their reasons and decisions, the judges that apply them to a page or a
 * file ({@code PolicyJudge}, {@code PageJudge}), and the name-to-sha256 and first-seen memories
 * some rules need.
 */
@NullMarked
package dev.pypiguard.policy;

import org.jspecify.annotations.NullMarked;
