package org.conceptscope.fiji.ij1;

import static org.conceptscope.fiji.commands.HeadExplanationSettings.*;

import ij.Macro;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;

import java.awt.GraphicsEnvironment;
import java.nio.file.Path;

import org.conceptscope.fiji.commands.HeadExplanationRun;
import org.conceptscope.fiji.commands.HeadExplanationSettings;

/**
 * Plugins &gt; ConceptScope &gt; Explain with Head... for ImageJ 1.x: the same code as
 * {@link org.conceptscope.fiji.commands.ExplainWithHeadCommand}, options from the macro or a dialog.
 */
public class Explain_with_Head implements PlugIn {

	public static final String COMMAND = "Explain with Head...";

	@Override
	public void run(String arg) {
		String options = Macro.getOptions();
		PluginTasks.run(COMMAND, "Explain with Head", options, progress -> {
			HeadExplanationSettings s = options != null ? parse(options) : ask();
			if (s == null) return;
			HeadExplanationRun.Result r = HeadExplanationRun.run(WindowManager.getCurrentImage(), s, progress);
			org.conceptscope.fiji.commands.ResultsDisplay.showResult(r.image());
			HeadExplanationRun.show(r);
			progress.finished(r.rois().size() + " ROI(s) of " + r.head().kind() + " " + r.head().unitName() + "s"
				+ (r.written().isEmpty() ? "." : ", results in " + s.saveDir + "."));
		});
	}

	public static HeadExplanationSettings parse(String options) {
		MacroOptions o = MacroOptions.parse(options, COMMAND, KEYS);
		HeadExplanationSettings s = new HeadExplanationSettings();
		s.model = o.path(MODEL);
		s.head = o.path(HEAD);
		s.target = o.text(TARGET, DEFAULT_TARGET);
		s.top = o.integer(TOP, DEFAULT_TOP);
		s.topFraction = o.decimal(TOP_FRACTION, DEFAULT_TOP_FRACTION);
		s.saveDir = o.path(SAVE_DIR);
		return s;
	}

	private static HeadExplanationSettings ask() {
		if (GraphicsEnvironment.isHeadless()) {
			throw new IllegalArgumentException("Headless, " + COMMAND + " needs its options: run(\"" + COMMAND
				+ "\", \"model=[/path/to/model] head=[/path/to/results/head] save_dir=[/path/to/results]\").");
		}
		Dialogs.checkImageOpen(); // before the dialog: a user should not fill it in to learn there is nothing to explain
		HeadExplanationSettings d = new HeadExplanationSettings();
		GenericDialog gd = new GenericDialog("ConceptScope Explain with Head");
		gd.addDirectoryField(MODEL, "", 40);
		gd.addDirectoryField(HEAD, "", 40);
		gd.addStringField(TARGET, d.target, 20);
		gd.addNumericField(TOP, d.top, 0);
		gd.addNumericField(TOP_FRACTION, d.topFraction, 2);
		gd.addDirectoryField(SAVE_DIR, "", 40);
		gd.showDialog();
		if (gd.wasCanceled()) return null;
		String m = gd.getNextString().trim(), h = gd.getNextString().trim();
		d.model = m.isEmpty() ? null : Path.of(m);
		d.head = h.isEmpty() ? null : Path.of(h);
		d.target = gd.getNextString().trim();
		d.top = (int) gd.getNextNumber();
		d.topFraction = gd.getNextNumber();
		String sd = gd.getNextString().trim();
		d.saveDir = sd.isEmpty() ? null : Path.of(sd);
		Dialogs.checkNumbers(gd);
		return d;
	}
}
