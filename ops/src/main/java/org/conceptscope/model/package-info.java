/**
 * Classifiers: the {@link org.conceptscope.model.Classifier} interface the methods call, its
 * TensorFlow implementation (SavedModels read through DJL, their graph checked before it runs,
 * gradients through the graph), the model's configuration (normalisation, classes, pixel size) and
 * the checks of tensors, files and limits that turn bad models into one sentence.
 */
package org.conceptscope.model;
