/**
 * Verified bounds on a model's outputs over an L-infinity ball: interval bound propagation and
 * CROWN linear bounds on the model's graph, margins with float32 rounding slack, and EVA attribution
 * from those bounds.
 */
package org.conceptscope.verify;
