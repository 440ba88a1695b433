/**
 * Training small CNNs in Java on TensorFlow graphs (as the bundled models and MeGe/ReCo's retrained
 * models are made) and exporting them as SavedModels.
 */
package org.conceptscope.train;
