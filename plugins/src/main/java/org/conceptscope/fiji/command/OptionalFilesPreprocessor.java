package org.conceptscope.fiji.command;

import java.io.File;

import org.scijava.command.CommandInfo;
import org.scijava.module.Module;
import org.scijava.module.ModuleItem;
import org.scijava.module.process.AbstractPreprocessorPlugin;
import org.scijava.module.process.PreprocessorPlugin;
import org.scijava.plugin.Plugin;
import org.scijava.service.Service;
import org.scijava.widget.InputHarvester;

/**
 * Keeps an optional path input that a caller left unset unset. SciJava's FilePreprocessor opens a
 * file chooser (headless: cancels the command) whenever the only unresolved input is a File, which
 * would hit every ConceptScope run that names all it needs but no save folder ({@link org.conceptscope.fiji.param.CommandSpecs#SAVE_DIR}) (e.g.
 * {@code --run "Model Info..." "model='/models/m'"}). For ConceptScope commands, when every input
 * still unresolved is an optional File, they are resolved as they are (null: not set). With other
 * inputs unresolved nothing changes: the input harvester's dialog asks for all of them, the path
 * fields with their Browse buttons.
 * <p>
 * Priority: just before FilePreprocessor ({@code InputHarvester.PRIORITY + 0.5}).
 */
@Plugin(type = PreprocessorPlugin.class, priority = InputHarvester.PRIORITY + 0.75)
public class OptionalFilesPreprocessor extends AbstractPreprocessorPlugin {

	@Override
	public void process(Module module) {
		if (!(module.getInfo() instanceof CommandInfo info) || !MacroOptionsPreprocessor.SPECS.containsKey(info.getDelegateClassName())) return;
		boolean onlyOptionalFiles = false;
		for (ModuleItem<?> input : info.inputs()) {
			if (module.isInputResolved(input.getName()) || Service.class.isAssignableFrom(input.getType())) continue;
			if (!File.class.isAssignableFrom(input.getType()) || input.isRequired()) return;
			onlyOptionalFiles = true;
		}
		if (!onlyOptionalFiles) return;
		for (ModuleItem<?> input : info.inputs()) {
			if (File.class.isAssignableFrom(input.getType())) module.resolveInput(input.getName());
		}
	}
}
