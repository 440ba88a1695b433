/**
 * Attribution methods: where a classifier looks for one target class. Each method is an
 * {@link org.conceptscope.attribution.AttributionMethod} that turns a batch of images into maps of
 * the same size: gradients (Saliency, Gradient x Input, Integrated Gradients, the SmoothGrad family,
 * Guided Backpropagation, DeconvNet, FORGrad filtering), class activation maps (Grad-CAM, Grad-CAM++),
 * perturbations (Occlusion, RISE, Sobol, HSIC) and surrogates (LIME, Kernel SHAP on grid cells or SLIC
 * segments). {@link org.conceptscope.attribution.TiledExplainer} explains images of another size
 * than the model's input tile by tile.
 */
package org.conceptscope.attribution;
