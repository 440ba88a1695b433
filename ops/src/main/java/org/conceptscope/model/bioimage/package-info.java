/**
 * bioimage.io model packages: the rdf.yaml description, its preprocessing and postprocessing, test
 * tensors in .npy files, and safe unpacking of the zipped package.
 */
package org.conceptscope.model.bioimage;
