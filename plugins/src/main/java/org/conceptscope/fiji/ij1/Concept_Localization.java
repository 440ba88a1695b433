package org.conceptscope.fiji.ij1;

import static org.conceptscope.fiji.commands.ConceptLocalizationSettings.*;

import ij.Macro;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;

import java.awt.GraphicsEnvironment;
import java.nio.file.Path;

import org.conceptscope.fiji.commands.ConceptDisplay;
import org.conceptscope.fiji.commands.ConceptLocalizationRun;
import org.conceptscope.fiji.commands.ConceptLocalizationSettings;

/**
 * Plugins &gt; ConceptScope &gt; Concept Localization... for ImageJ 1.x: the same code as
 * {@link org.conceptscope.fiji.commands.ConceptLocalizationCommand}, on the current image.
 */
public class Concept_Localization implements PlugIn {

	public static final String COMMAND = "Concept Localization...";

	@Override
	public void run(String arg) {
		String options = Macro.getOptions();
		PluginTasks.run(COMMAND, "Concept Localization", options, progress -> {
			ConceptLocalizationSettings s = options != null ? parse(options) : ask();
			if (s == null) return;
			ConceptLocalizationRun.Result r = ConceptLocalizationRun.run(WindowManager.getCurrentImage(), s, progress);
			org.conceptscope.fiji.commands.ResultsDisplay.showResult(r.image());
			ConceptDisplay.showTableAndRois(r.table(), r.image().getTitle() + "-results", r.rois(), r.image());
			progress.finished(r.rois().size() + " concept ROI(s)" + (r.written().isEmpty() ? "." : ", results in " + s.saveDir + "."));
		});
	}

	public static ConceptLocalizationSettings parse(String options) {
		MacroOptions o = MacroOptions.parse(options, COMMAND, KEYS);
		ConceptLocalizationSettings s = new ConceptLocalizationSettings();
		s.model = o.path(MODEL);
		s.concepts = o.path(CONCEPTS);
		s.topFraction = o.decimal(TOP_FRACTION, DEFAULT_TOP_FRACTION);
		s.output = o.text(OUTPUT, DEFAULT_OUTPUT);
		s.saveDir = o.path(SAVE_DIR);
		return s;
	}

	private static ConceptLocalizationSettings ask() {
		if (GraphicsEnvironment.isHeadless()) {
			throw new IllegalArgumentException("Headless, " + COMMAND + " needs its options: run(\"" + COMMAND
				+ "\", \"model=[/path/to/model] concepts=[/path/concepts.json] save_dir=[/path/to/results]\").");
		}
		Dialogs.checkImageOpen(); // before the dialog: a user should not fill it in to learn there is nothing to explain
		ConceptLocalizationSettings s = new ConceptLocalizationSettings();
		GenericDialog gd = new GenericDialog("ConceptScope Concept Localization");
		gd.addDirectoryField(MODEL, "", 40);
		gd.addFileField(CONCEPTS, "", 40);
		gd.addNumericField(TOP_FRACTION, s.topFraction, 2);
		gd.addChoice(OUTPUT, new String[] { "channel", "image" }, s.output);
		gd.addDirectoryField(SAVE_DIR, "", 40);
		gd.showDialog();
		if (gd.wasCanceled()) return null;
		String m = gd.getNextString().trim(), c = gd.getNextString().trim();
		s.model = m.isEmpty() ? null : Path.of(m);
		s.concepts = c.isEmpty() ? null : Path.of(c);
		s.topFraction = gd.getNextNumber();
		s.output = gd.getNextChoice();
		String sd = gd.getNextString().trim();
		s.saveDir = sd.isEmpty() ? null : Path.of(sd);
		Dialogs.checkNumbers(gd);
		return s;
	}
}
