/**
 * Small shared pieces: progress and cancellation of long loops, the limits every method checks
 * before work (passes, grid sizes), and quasi-Monte Carlo Sobol designs.
 */
package org.conceptscope.util;
