/**
 * Small shared pieces: progress and cancellation of long loops, the limits every method checks
 * before work (passes, grid sizes), quasi-Monte Carlo Sobol designs, atomic writes, and file names
 * the locale cannot write.
 */
package org.conceptscope.util;
