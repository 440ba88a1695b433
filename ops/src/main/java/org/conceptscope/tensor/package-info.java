/**
 * Image tensors: {@link org.conceptscope.tensor.FloatTensor}, the axes of an image, normalisation,
 * resampling and upsampling of grid maps, Gaussian blur, and the tiles (grid, blending window,
 * source windows) of images larger than a model's input.
 */
package org.conceptscope.tensor;
