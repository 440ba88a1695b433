/**
 * Mechanistic explanations: Sharing Ratio Decomposition of a model's pointwise feature vectors,
 * effective receptive fields, activation pattern prediction (APOP), PFV concepts by spherical
 * k-means, and the concept graph between layers by generalized integrated gradients.
 */
package org.conceptscope.mechanistic;
