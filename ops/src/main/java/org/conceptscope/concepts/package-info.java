/**
 * Concept-based explanations: CRAFT (crops of a class, their activations factorised by NMF into a
 * concept bank), concept importance (Sobol indices, gradient, deletion), localization of the concepts
 * on images, CRAFT per class and holistic concept maps.
 */
package org.conceptscope.concepts;
