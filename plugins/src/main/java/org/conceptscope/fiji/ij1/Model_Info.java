package org.conceptscope.fiji.ij1;

import static org.conceptscope.fiji.commands.AttributionSettings.MODEL;
import static org.conceptscope.fiji.commands.AttributionSettings.SAVE_DIR;

import ij.Macro;
import ij.Prefs;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;

import java.awt.GraphicsEnvironment;
import java.nio.file.Path;
import java.util.List;

import org.conceptscope.fiji.commands.ModelReport;
import org.conceptscope.fiji.commands.ResultsDisplay;

/**
 * Plugins &gt; ConceptScope &gt; Model Info... for ImageJ 1.x: prints the model's signature,
 * normalisation, classes and layers to the Log, shows the layers as a table and, with
 * {@code save_dir}, writes both to files. Macro keys: model, save_dir.
 */
public class Model_Info implements PlugIn {

	public static final String COMMAND = "Model Info...";
	public static final List<String> KEYS = org.conceptscope.fiji.commands.ModelInfoCommand.KEYS;
	private static final String LAST_MODEL = "conceptscope.model";

	@Override
	public void run(String arg) {
		String options = Macro.getOptions();
		PluginTasks.run(COMMAND, "Model Info", options, progress -> {
			Path model, saveDir;
			if (options != null) {
				MacroOptions o = MacroOptions.parse(options, COMMAND, KEYS);
				model = o.path(MODEL);
				saveDir = o.path(SAVE_DIR);
			} else {
				if (GraphicsEnvironment.isHeadless()) {
					throw new IllegalArgumentException("Headless, " + COMMAND + " needs its options: run(\"" + COMMAND
						+ "\", \"model=[/path/to/model]\").");
				}
				GenericDialog gd = new GenericDialog("ConceptScope Model Info");
				gd.addDirectoryField(MODEL, Prefs.get(LAST_MODEL, ""), 40);
				gd.addDirectoryField(SAVE_DIR, "", 40);
				gd.showDialog();
				if (gd.wasCanceled()) return;
				String m = gd.getNextString().trim(), s = gd.getNextString().trim();
				Prefs.set(LAST_MODEL, m);
				model = m.isEmpty() ? null : Path.of(m);
				saveDir = s.isEmpty() ? null : Path.of(s);
			}
			ModelReport report = ModelReport.run(model, saveDir);
			if (ResultsDisplay.interactive()) report.layersTable().show(report.name() + " layers");
			progress.finished("model " + report.name() + " described.");
		});
	}
}
