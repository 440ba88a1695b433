/**
 * The commands: SciJava commands (Fiji menus, {@code --run}, macro recording), each command's
 * settings (read from the values its declarations give), its run (the calls into the ops core,
 * without windows) and how its results are shown. Parameters are declared in
 * {@link org.conceptscope.fiji.param}; methods are picked from {@code org.conceptscope.registry}.
 */
package org.conceptscope.fiji.commands;
