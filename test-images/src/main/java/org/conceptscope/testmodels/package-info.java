/**
 * The bundled test data and models: patches of real CT and IHC images, the small CNNs trained on
 * them, known-answer models, and Keras-style graphs written at test time.
 */
package org.conceptscope.testmodels;
