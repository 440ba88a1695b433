/**
 * Benchmarks run by hand or in a smoke test: methods, stacks, tiles and verification timed as
 * ratios to a floor measured on the same machine (docs/benchmarks.md).
 */
package org.conceptscope.bench;
