/**
 * Interpretable heads trained on a frozen model's feature map: InfoDisent (one prototypical part
 * per rotated channel) and Bi-ICE (concept embeddings interacting with the patch embeddings), their
 * training objectives, prototypes and per-unit contributions.
 */
package org.conceptscope.heads;
