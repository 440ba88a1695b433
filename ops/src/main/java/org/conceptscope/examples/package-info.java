/**
 * Example-based explanations: nearest training examples in a model's latent space and class
 * prototypes.
 */
package org.conceptscope.examples;
