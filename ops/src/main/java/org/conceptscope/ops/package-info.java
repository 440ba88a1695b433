/**
 * Every method family as SciJava Ops, declared in Javadoc and indexed into ops.yaml: attribution
 * methods by registry key, concepts, metrics, mechanistic methods, interpretable heads, TCAV,
 * example-based explanations, feature visualization, verification and model loading (docs/ops.md).
 */
package org.conceptscope.ops;
