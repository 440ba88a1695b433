/**
 * ONNX models through DJL's ONNX Runtime engine, with the checks run before a model is loaded.
 */
package org.conceptscope.model.onnx;
