package org.conceptscope.fiji.ij1;

import static org.conceptscope.fiji.commands.ConceptImportanceSettings.*;

import ij.Macro;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;

import java.awt.GraphicsEnvironment;
import java.nio.file.Path;

import org.conceptscope.fiji.commands.ConceptImportanceRun;
import org.conceptscope.fiji.commands.ConceptImportanceSettings;
import org.conceptscope.fiji.commands.ResultsDisplay;

/**
 * Plugins &gt; ConceptScope &gt; Concept Importance... for ImageJ 1.x: the same code as
 * {@link org.conceptscope.fiji.commands.ConceptImportanceCommand}, options from the macro or a dialog.
 */
public class Concept_Importance implements PlugIn {

	public static final String COMMAND = "Concept Importance...";

	@Override
	public void run(String arg) {
		String options = Macro.getOptions();
		PluginTasks.run(COMMAND, "Concept Importance", options, progress -> {
			ConceptImportanceSettings s = options != null ? parse(options) : ask();
			if (s == null) return;
			ConceptImportanceRun.Result r = ConceptImportanceRun.run(s.folder == null ? WindowManager.getCurrentImage() : null, s, progress);
			ResultsDisplay.showResult(r.plot());
			if (ResultsDisplay.interactive()) r.table().show("Concept importance (" + s.estimator + ")");
			progress.finished(r.importance().length + " concept(s) of " + r.bank().className
				+ (r.written().isEmpty() ? "." : ", results in " + s.saveDir + "."));
		});
	}

	public static ConceptImportanceSettings parse(String options) {
		MacroOptions o = MacroOptions.parse(options, COMMAND, KEYS);
		ConceptImportanceSettings s = new ConceptImportanceSettings();
		s.model = o.path(MODEL);
		s.concepts = o.path(CONCEPTS);
		s.folder = o.path(FOLDER);
		s.estimator = o.text(ESTIMATOR, DEFAULT_ESTIMATOR);
		s.designs = o.integer(DESIGNS, DEFAULT_DESIGNS);
		s.seed = o.whole(SEED, DEFAULT_SEED);
		s.updateBank = o.flag(UPDATE_BANK, DEFAULT_UPDATE_BANK);
		s.saveDir = o.path(SAVE_DIR);
		return s;
	}

	private static ConceptImportanceSettings ask() {
		if (GraphicsEnvironment.isHeadless()) {
			throw new IllegalArgumentException("Headless, " + COMMAND + " needs its options: run(\"" + COMMAND
				+ "\", \"model=[/path/to/model] concepts=[/path/concepts.json] estimator=sobol save_dir=[/path/to/results]\").");
		}
		ConceptImportanceSettings s = new ConceptImportanceSettings();
		GenericDialog gd = new GenericDialog("ConceptScope Concept Importance");
		gd.addDirectoryField(MODEL, "", 40);
		gd.addFileField(CONCEPTS, "", 40);
		gd.addDirectoryField(FOLDER, "", 40);
		gd.addChoice(ESTIMATOR, ESTIMATORS.toArray(new String[0]), s.estimator);
		gd.addNumericField(DESIGNS, s.designs, 0, 6, "sobol");
		gd.addNumericField(SEED, s.seed, 0, 10, "sobol");
		gd.addCheckbox(UPDATE_BANK, s.updateBank);
		gd.addDirectoryField(SAVE_DIR, "", 40);
		gd.showDialog();
		if (gd.wasCanceled()) return null;
		String m = gd.getNextString().trim(), c = gd.getNextString().trim(), f = gd.getNextString().trim();
		s.model = m.isEmpty() ? null : Path.of(m);
		s.concepts = c.isEmpty() ? null : Path.of(c);
		s.folder = f.isEmpty() ? null : Path.of(f);
		s.estimator = gd.getNextChoice();
		s.designs = (int) gd.getNextNumber();
		s.seed = (long) gd.getNextNumber();
		s.updateBank = gd.getNextBoolean();
		String sd = gd.getNextString().trim();
		s.saveDir = sd.isEmpty() ? null : Path.of(sd);
		Dialogs.checkNumbers(gd);
		return s;
	}
}
