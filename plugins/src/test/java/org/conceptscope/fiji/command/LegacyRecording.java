package org.conceptscope.fiji.command;

import ij.ImagePlus;
import ij.plugin.frame.Recorder;

import org.scijava.Context;
import org.scijava.ItemVisibility;
import org.scijava.module.Module;
import org.scijava.module.ModuleItem;
import org.scijava.service.Service;

/**
 * The options Fiji's recorder writes for a SciJava command when it ends, as imagej-legacy's
 * MacroRecorderPostprocessor does (imagej-legacy is not on this class path): every input that is
 * not a service, has a value and is neither INVISIBLE nor MESSAGE, as {@code key=value} through
 * ImageJ 1.x's own {@link Recorder#recordOption} (an image by its title).
 */
final class LegacyRecording {

	private LegacyRecording() {}

	static String line(Module module) {
		Recorder.resetCommandOptions();
		for (ModuleItem<?> input : module.getInfo().inputs()) {
			Class<?> type = input.getType();
			if (Service.class.isAssignableFrom(type) || Context.class.isAssignableFrom(type)) continue;
			if (input.getVisibility() == ItemVisibility.INVISIBLE || input.getVisibility() == ItemVisibility.MESSAGE) continue;
			Object value = module.getInput(input.getName());
			if (value != null) Recorder.recordOption(input.getName(), value instanceof ImagePlus imp ? imp.getTitle() : value.toString());
		}
		String line = Recorder.getCommandOptions();
		Recorder.resetCommandOptions();
		return line == null ? "" : line;
	}
}
