package org.conceptscope.fiji.ij1;

import static org.conceptscope.fiji.commands.EvaluationSettings.*;

import ij.Macro;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;

import java.awt.GraphicsEnvironment;
import java.nio.file.Path;

import org.conceptscope.fiji.commands.AttributionMethods;
import org.conceptscope.fiji.commands.EvaluationRun;
import org.conceptscope.fiji.commands.EvaluationSettings;
import org.conceptscope.fiji.commands.ResultsDisplay;

/**
 * Plugins &gt; ConceptScope &gt; Evaluate Explanation... for ImageJ 1.x: the same code as
 * {@link org.conceptscope.fiji.commands.EvaluateExplanationCommand}, on the current image.
 */
public class Evaluate_Explanation implements PlugIn {

	public static final String COMMAND = "Evaluate Explanation...";

	@Override
	public void run(String arg) {
		String options = Macro.getOptions();
		PluginTasks.run(COMMAND, "Evaluate Explanation", options, progress -> {
			EvaluationSettings s = options != null ? parse(options) : ask();
			if (s == null) return;
			EvaluationRun.Result r = EvaluationRun.run(WindowManager.getCurrentImage(), s, progress);
			if (ResultsDisplay.interactive()) {
				r.table().show(r.metric() == null ? s.metric : s.method + " " + s.metric);
				if (r.plot() != null) r.plot().show();
			}
			progress.finished(r.summary() + (r.written().isEmpty() ? "." : ", results in " + s.saveDir + "."));
		});
	}

	public static EvaluationSettings parse(String options) {
		MacroOptions o = MacroOptions.parse(options, COMMAND, KEYS);
		EvaluationSettings s = new EvaluationSettings();
		s.model = o.path(MODEL);
		s.method = o.text(METHOD, DEFAULT_METHOD);
		s.metric = o.text(METRIC, DEFAULT_METRIC);
		s.target = o.text(TARGET, DEFAULT_TARGET);
		s.steps = o.integer(STEPS, DEFAULT_STEPS);
		s.samples = o.integer(SAMPLES, DEFAULT_SAMPLES);
		s.seed = o.whole(SEED, DEFAULT_SEED);
		s.folder = o.path(FOLDER);
		s.methods = o.text(METHODS, DEFAULT_METHODS);
		s.folds = o.integer(FOLDS, DEFAULT_FOLDS);
		s.architecture = o.text(ARCHITECTURE, DEFAULT_ARCHITECTURE).trim();
		s.trainingSteps = o.integer(TRAINING_STEPS, DEFAULT_TRAINING_STEPS);
		s.saveDir = o.path(SAVE_DIR);
		return s;
	}

	private static EvaluationSettings ask() {
		if (GraphicsEnvironment.isHeadless()) {
			throw new IllegalArgumentException("Headless, " + COMMAND + " needs its options: run(\"" + COMMAND
				+ "\", \"model=[/path/to/model] method=saliency metric=deletion save_dir=[/path/to/results]\").");
		}
		EvaluationSettings s = new EvaluationSettings();
		GenericDialog gd = new GenericDialog("ConceptScope Evaluate Explanation");
		gd.addDirectoryField(MODEL, "", 40);
		gd.addChoice(METHOD, AttributionMethods.NAMES.toArray(new String[0]), s.method);
		gd.addChoice(METRIC, METRICS.toArray(new String[0]), s.metric);
		gd.addStringField(TARGET, s.target, 20);
		gd.addNumericField(STEPS, s.steps, 0);
		gd.addNumericField(SAMPLES, s.samples, 0);
		gd.addNumericField(SEED, s.seed, 0);
		gd.addMessage("mege_reco: labelled images in class subfolders; models of the architecture trained on folds:");
		gd.addDirectoryField(FOLDER, "", 40);
		gd.addStringField(METHODS, s.methods, 40);
		gd.addNumericField(FOLDS, s.folds, 0);
		gd.addStringField(ARCHITECTURE, s.architecture, 40);
		gd.addNumericField(TRAINING_STEPS, s.trainingSteps, 0);
		gd.addDirectoryField(SAVE_DIR, "", 40);
		gd.showDialog();
		if (gd.wasCanceled()) return null;
		String m = gd.getNextString().trim();
		s.model = m.isEmpty() ? null : Path.of(m);
		s.method = gd.getNextChoice();
		s.metric = gd.getNextChoice();
		s.target = gd.getNextString().trim();
		s.steps = (int) gd.getNextNumber();
		s.samples = (int) gd.getNextNumber();
		s.seed = (long) gd.getNextNumber();
		String f = gd.getNextString().trim();
		s.folder = f.isEmpty() ? null : Path.of(f);
		s.methods = gd.getNextString().trim();
		s.folds = (int) gd.getNextNumber();
		s.architecture = gd.getNextString().trim();
		s.trainingSteps = (int) gd.getNextNumber();
		String sd = gd.getNextString().trim();
		s.saveDir = sd.isEmpty() ? null : Path.of(sd);
		Dialogs.checkNumbers(gd);
		return s;
	}
}
