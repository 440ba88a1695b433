/**
 * The headless batch runner ({@link org.conceptscope.fiji.batch.Batch}) and the long-stack runner:
 * jobs over images and folders, their manifest and resume, and progress on the console.
 */
package org.conceptscope.fiji.batch;
