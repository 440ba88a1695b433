package org.conceptscope.fiji.ij1;

import static org.conceptscope.fiji.commands.HeadTrainingSettings.*;

import ij.Macro;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;

import java.awt.GraphicsEnvironment;
import java.nio.file.Path;

import org.conceptscope.fiji.commands.HeadTrainingRun;
import org.conceptscope.fiji.commands.HeadTrainingSettings;
import org.conceptscope.fiji.commands.ResultsDisplay;

/**
 * Plugins &gt; ConceptScope &gt; Train Interpretable Head... for ImageJ 1.x: the same code as
 * {@link org.conceptscope.fiji.commands.TrainHeadCommand}, options from the macro or a dialog.
 */
public class Train_Interpretable_Head implements PlugIn {

	public static final String COMMAND = "Train Interpretable Head...";

	@Override
	public void run(String arg) {
		String options = Macro.getOptions();
		PluginTasks.run(COMMAND, "Train Interpretable Head", options, progress -> {
			HeadTrainingSettings s = options != null ? parse(options) : ask();
			if (s == null) return;
			HeadTrainingRun.Result r = HeadTrainingRun.run(s, progress);
			ResultsDisplay.showResult(r.prototypes());
			if (ResultsDisplay.interactive()) {
				r.accuracy().show("Head accuracy");
				if (r.convergence() != null) r.convergence().show();
			}
			progress.finished(HeadTrainingRun.summary(r));
		});
	}

	public static HeadTrainingSettings parse(String options) {
		MacroOptions o = MacroOptions.parse(options, COMMAND, KEYS);
		HeadTrainingSettings s = new HeadTrainingSettings();
		s.model = o.path(MODEL);
		s.folder = o.path(FOLDER);
		s.head = o.text(HEAD, DEFAULT_HEAD);
		s.layer = o.text(LAYER, DEFAULT_LAYER);
		s.concepts = o.integer(CONCEPTS, DEFAULT_CONCEPTS);
		s.dimension = o.integer(DIMENSION, DEFAULT_DIMENSION);
		s.sparsity = o.decimal(SPARSITY, DEFAULT_SPARSITY);
		s.steps = o.integer(STEPS, DEFAULT_STEPS);
		s.batchSize = o.integer(BATCH_SIZE, DEFAULT_BATCH_SIZE);
		s.learningRate = o.decimal(LEARNING_RATE, DEFAULT_LEARNING_RATE);
		s.seed = o.whole(SEED, DEFAULT_SEED);
		s.heldOut = o.decimal(HELD_OUT, DEFAULT_HELD_OUT);
		s.prototypes = o.integer(PROTOTYPES, DEFAULT_PROTOTYPES);
		s.saveDir = o.path(SAVE_DIR);
		return s;
	}

	private static HeadTrainingSettings ask() {
		if (GraphicsEnvironment.isHeadless()) {
			throw new IllegalArgumentException("Headless, " + COMMAND + " needs its options: run(\"" + COMMAND
				+ "\", \"model=[/path/to/model] folder=[/path/to/class folders] head=infodisent save_dir=[/path/to/results]\").");
		}
		HeadTrainingSettings d = new HeadTrainingSettings();
		GenericDialog gd = new GenericDialog("ConceptScope Train Interpretable Head");
		gd.addDirectoryField(MODEL, "", 40);
		gd.addDirectoryField(FOLDER, "", 40);
		gd.addChoice(HEAD, HEADS.toArray(new String[0]), d.head);
		gd.addStringField(LAYER, d.layer, 20);
		gd.addNumericField(CONCEPTS, d.concepts, 0);
		gd.addNumericField(DIMENSION, d.dimension, 0);
		gd.addNumericField(SPARSITY, d.sparsity, 4);
		gd.addNumericField(STEPS, d.steps, 0);
		gd.addNumericField(BATCH_SIZE, d.batchSize, 0);
		gd.addNumericField(LEARNING_RATE, d.learningRate, 4);
		gd.addNumericField(SEED, d.seed, 0);
		gd.addNumericField(HELD_OUT, d.heldOut, 2);
		gd.addNumericField(PROTOTYPES, d.prototypes, 0);
		gd.addDirectoryField(SAVE_DIR, "", 40);
		gd.showDialog();
		if (gd.wasCanceled()) return null;
		String m = gd.getNextString().trim(), f = gd.getNextString().trim();
		d.model = m.isEmpty() ? null : Path.of(m);
		d.folder = f.isEmpty() ? null : Path.of(f);
		d.head = gd.getNextChoice();
		d.layer = gd.getNextString().trim();
		d.concepts = (int) gd.getNextNumber();
		d.dimension = (int) gd.getNextNumber();
		d.sparsity = gd.getNextNumber();
		d.steps = (int) gd.getNextNumber();
		d.batchSize = (int) gd.getNextNumber();
		d.learningRate = gd.getNextNumber();
		d.seed = (long) gd.getNextNumber();
		d.heldOut = gd.getNextNumber();
		d.prototypes = (int) gd.getNextNumber();
		String sd = gd.getNextString().trim();
		d.saveDir = sd.isEmpty() ? null : Path.of(sd);
		Dialogs.checkNumbers(gd);
		return d;
	}
}
