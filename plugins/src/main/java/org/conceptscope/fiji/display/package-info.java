/**
 * What shows a run in ImageJ: windows, the ROI Manager, result tables on screen, and progress
 * with cancellation on the status bar.
 */
package org.conceptscope.fiji.display;
