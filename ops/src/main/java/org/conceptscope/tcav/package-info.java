/**
 * TCAV: concept activation vectors (a linear SVM between concept and random examples at a layer)
 * and the fraction of a class's images whose logit rises along each vector.
 */
package org.conceptscope.tcav;
