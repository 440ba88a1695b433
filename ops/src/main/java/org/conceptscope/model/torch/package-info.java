/**
 * TorchScript models through DJL's PyTorch engine: the archive and its code read and checked (no
 * pickled Python objects run) before a model is loaded, and its layers listed.
 */
package org.conceptscope.model.torch;
