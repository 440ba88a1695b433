package org.conceptscope.fiji.ij1;

import static org.conceptscope.fiji.commands.FeatureVisualizationSettings.*;

import ij.Macro;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;

import java.awt.GraphicsEnvironment;
import java.nio.file.Path;

import org.conceptscope.fiji.commands.FeatureVisualizationRun;
import org.conceptscope.fiji.commands.FeatureVisualizationSettings;
import org.conceptscope.fiji.commands.ResultsDisplay;

/**
 * Plugins &gt; ConceptScope &gt; Feature Visualization... for ImageJ 1.x: the same code as
 * {@link org.conceptscope.fiji.commands.FeatureVisualizationCommand}, options from the macro or a dialog.
 */
public class Feature_Visualization implements PlugIn {

	public static final String COMMAND = "Feature Visualization...";

	@Override
	public void run(String arg) {
		String options = Macro.getOptions();
		PluginTasks.run(COMMAND, "Feature Visualization", options, progress -> {
			FeatureVisualizationSettings s = options != null ? parse(options) : ask();
			if (s == null) return;
			FeatureVisualizationRun.Result r = FeatureVisualizationRun.run(s.folder == null ? WindowManager.getCurrentImage() : null, s,
				progress);
			ResultsDisplay.showResult(r.image());
			if (ResultsDisplay.interactive()) r.plot().show();
			progress.finished(FeatureVisualizationRun.summary(r));
		});
	}

	public static FeatureVisualizationSettings parse(String options) {
		MacroOptions o = MacroOptions.parse(options, COMMAND, KEYS);
		FeatureVisualizationSettings s = new FeatureVisualizationSettings();
		s.model = o.path(MODEL);
		s.head = o.path(HEAD);
		s.target = o.text(TARGET, "");
		s.folder = o.path(FOLDER);
		s.steps = o.integer(STEPS, DEFAULT_STEPS);
		s.learningRate = o.decimal(LEARNING_RATE, DEFAULT_LEARNING_RATE);
		s.crop = o.decimal(CROP, DEFAULT_CROP);
		s.seed = o.whole(SEED, DEFAULT_SEED);
		s.saveDir = o.path(SAVE_DIR);
		return s;
	}

	private static FeatureVisualizationSettings ask() {
		if (GraphicsEnvironment.isHeadless()) {
			throw new IllegalArgumentException("Headless, " + COMMAND + " needs its options: run(\"" + COMMAND
				+ "\", \"model=[/path/to/model] target=[class] save_dir=[/path/to/results]\").");
		}
		FeatureVisualizationSettings d = new FeatureVisualizationSettings();
		GenericDialog gd = new GenericDialog("ConceptScope Feature Visualization");
		gd.addDirectoryField(MODEL, "", 40);
		gd.addDirectoryField(HEAD, "", 40);
		gd.addStringField(TARGET, d.target, 20);
		gd.addDirectoryField(FOLDER, "", 40);
		gd.addNumericField(STEPS, d.steps, 0);
		gd.addNumericField(LEARNING_RATE, d.learningRate, 4);
		gd.addNumericField(CROP, d.crop, 2);
		gd.addNumericField(SEED, d.seed, 0);
		gd.addDirectoryField(SAVE_DIR, "", 40);
		gd.showDialog();
		if (gd.wasCanceled()) return null;
		String m = gd.getNextString().trim();
		d.model = m.isEmpty() ? null : Path.of(m);
		String h = gd.getNextString().trim();
		d.head = h.isEmpty() ? null : Path.of(h);
		d.target = gd.getNextString().trim();
		String f = gd.getNextString().trim();
		d.folder = f.isEmpty() ? null : Path.of(f);
		d.steps = (int) gd.getNextNumber();
		d.learningRate = gd.getNextNumber();
		d.crop = gd.getNextNumber();
		d.seed = (long) gd.getNextNumber();
		String sd = gd.getNextString().trim();
		d.saveDir = sd.isEmpty() ? null : Path.of(sd);
		Dialogs.checkNumbers(gd);
		return d;
	}
}
