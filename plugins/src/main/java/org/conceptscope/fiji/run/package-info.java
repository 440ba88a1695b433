/**
 * What each command does, without windows: its settings (read from the values its declarations
 * give), its run (the calls into the ops core) and what the run gives back. Results are written by
 * {@link org.conceptscope.fiji.write} and shown by {@link org.conceptscope.fiji.display}.
 */
package org.conceptscope.fiji.run;
