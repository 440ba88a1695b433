/**
 * The Fiji update site: its db.xml.gz, checksums as Fiji computes them, and the site assembled
 * from the build's jars and macros.
 */
package org.conceptscope.updatesite;
