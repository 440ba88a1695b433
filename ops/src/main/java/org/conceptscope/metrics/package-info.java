/**
 * How good an explanation is: the {@link org.conceptscope.metrics.Metric} interface and the
 * metrics of the registry: deletion and insertion curves, MuFidelity, sanity checks with randomised
 * weights, stability, MeGe/ReCo over retrained models, and statistics of a map (average drop,
 * increase in confidence, complexity, sparseness).
 */
package org.conceptscope.metrics;
