/**
 * The Fiji plugin's shared parts: images to and from model tensors, the stack runner, writers of
 * TIFFs, RoiSets, CSVs and pictures, and the headless batch runner ({@link org.conceptscope.fiji.Batch}).
 */
package org.conceptscope.fiji;
