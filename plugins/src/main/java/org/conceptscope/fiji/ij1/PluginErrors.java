package org.conceptscope.fiji.ij1;

import ij.IJ;

import org.conceptscope.fiji.run.Failures;

/**
 * How the ImageJ 1.x plugins report a failure: ImageJ's error message (a dialog, or a line on
 * the console when headless), and, when a macro called the plugin, the same as the SciJava
 * commands ({@link Failures#reportToMacro}): no modal dialog in batch mode, the macro aborted.
 */
final class PluginErrors {

	private PluginErrors() {}

	/** @param title the command's title ({@code CommandSpec.title}), as the SciJava commands name it: "ConceptScope Attribution: " */
	static void report(String title, String message, boolean calledFromMacro) {
		if (calledFromMacro) Failures.reportToMacro("ConceptScope " + title, message);
		else IJ.error("ConceptScope " + title, message);
	}
}
