/**
 * Feature visualization: MACO (an image that raises a class's score with its Fourier phase optimised
 * under a fixed magnitude spectrum) and the transforms it needs.
 */
package org.conceptscope.visualization;
