package org.conceptscope.fiji.ij1;

import ij.IJ;
import ij.Macro;

/**
 * How the ImageJ 1.x plugins report a failure: ImageJ's error message (a dialog, or a line on
 * the console when headless), then, when a macro called the plugin, the macro is aborted. A
 * batch macro must stop at the first image it could not explain instead of going on with
 * missing results.
 */
final class PluginErrors {

	private PluginErrors() {}

	static void report(String command, String message, boolean calledFromMacro) {
		IJ.error("ConceptScope " + command, message);
		if (calledFromMacro) Macro.abort();
	}
}
