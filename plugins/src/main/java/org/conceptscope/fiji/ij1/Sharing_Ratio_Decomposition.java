package org.conceptscope.fiji.ij1;

import static org.conceptscope.fiji.commands.SharingRatioSettings.*;

import ij.Macro;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;

import java.awt.GraphicsEnvironment;
import java.nio.file.Path;

import org.conceptscope.fiji.commands.ConceptDisplay;
import org.conceptscope.fiji.commands.SharingRatioRun;
import org.conceptscope.fiji.commands.SharingRatioSettings;

/**
 * Plugins &gt; ConceptScope &gt; Sharing Ratio Decomposition... for ImageJ 1.x: the same code as
 * {@link org.conceptscope.fiji.commands.SharingRatioDecompositionCommand}, on the current image.
 */
public class Sharing_Ratio_Decomposition implements PlugIn {

	public static final String COMMAND = "Sharing Ratio Decomposition...";

	@Override
	public void run(String arg) {
		String options = Macro.getOptions();
		PluginTasks.run(COMMAND, "Sharing Ratio Decomposition", options, progress -> {
			SharingRatioSettings s = options != null ? parse(options) : ask();
			if (s == null) return;
			SharingRatioRun.Result r = SharingRatioRun.run(WindowManager.getCurrentImage(), s, progress);
			org.conceptscope.fiji.commands.ResultsDisplay.showResult(r.image());
			ConceptDisplay.showTableAndRois(r.table(), r.image().getTitle() + "-results", r.rois(), r.image());
			progress.finished(r.analysis().slices().size() + " slice(s) decomposed"
				+ (r.written().isEmpty() ? "." : ", results in " + s.saveDir + "."));
		});
	}

	public static SharingRatioSettings parse(String options) {
		MacroOptions o = MacroOptions.parse(options, COMMAND, KEYS);
		SharingRatioSettings s = new SharingRatioSettings();
		s.model = o.path(MODEL);
		s.target = o.text(TARGET, DEFAULT_TARGET);
		s.erfLayer = o.text(ERF_LAYER, DEFAULT_ERF_LAYER).trim();
		s.x = o.integer(X, DEFAULT_X);
		s.y = o.integer(Y, DEFAULT_Y);
		s.erfMass = o.decimal(ERF_MASS, DEFAULT_ERF_MASS);
		s.apopFill = o.decimal(APOP_FILL, DEFAULT_APOP_FILL);
		s.output = o.text(OUTPUT, DEFAULT_OUTPUT);
		s.topFraction = o.decimal(TOP_FRACTION, DEFAULT_TOP_FRACTION);
		s.saveDir = o.path(SAVE_DIR);
		return s;
	}

	private static SharingRatioSettings ask() {
		if (GraphicsEnvironment.isHeadless()) {
			throw new IllegalArgumentException("Headless, " + COMMAND + " needs its options: run(\"" + COMMAND
				+ "\", \"model=[/path/to/model] target=predicted save_dir=[/path/to/results]\").");
		}
		Dialogs.checkImageOpen(); // before the dialog: a user should not fill it in to learn there is nothing to explain
		SharingRatioSettings s = new SharingRatioSettings();
		GenericDialog gd = new GenericDialog("ConceptScope Sharing Ratio Decomposition");
		gd.addDirectoryField(MODEL, "", 40);
		gd.addStringField(TARGET, s.target, 20);
		gd.addStringField(ERF_LAYER, s.erfLayer, 20);
		gd.addNumericField(X, s.x, 0);
		gd.addNumericField(Y, s.y, 0);
		gd.addNumericField(ERF_MASS, s.erfMass, 2);
		gd.addNumericField(APOP_FILL, s.apopFill, 2);
		gd.addChoice(OUTPUT, new String[] { "channel", "image" }, s.output);
		gd.addNumericField(TOP_FRACTION, s.topFraction, 2);
		gd.addDirectoryField(SAVE_DIR, "", 40);
		gd.showDialog();
		if (gd.wasCanceled()) return null;
		String m = gd.getNextString().trim();
		s.model = m.isEmpty() ? null : Path.of(m);
		s.target = gd.getNextString().trim();
		s.erfLayer = gd.getNextString().trim();
		s.x = (int) gd.getNextNumber();
		s.y = (int) gd.getNextNumber();
		s.erfMass = gd.getNextNumber();
		s.apopFill = gd.getNextNumber();
		s.output = gd.getNextChoice();
		s.topFraction = gd.getNextNumber();
		String sd = gd.getNextString().trim();
		s.saveDir = sd.isEmpty() ? null : Path.of(sd);
		Dialogs.checkNumbers(gd);
		return s;
	}
}
