/**
 * The ImageJ 1.x entry: one plugin class, {@link org.conceptscope.fiji.ij1.ConceptScope_}, that
 * plugins.config registers for every menu entry with the command's name as argument; the dialog
 * built from a command's declarations; how a plugin run reports progress, cancellation and
 * errors. The work itself is the commands' runs.
 */
package org.conceptscope.fiji.ij1;
