/**
 * The SciJava commands (Fiji menus, {@code --run}, macro recording): thin shells whose inputs are
 * generated from the declarations in {@link org.conceptscope.fiji.param}, with the SciJava
 * preprocessors and how a command run ends. The work is in {@link org.conceptscope.fiji.run}.
 */
package org.conceptscope.fiji.command;
