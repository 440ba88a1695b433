package org.conceptscope.fiji.ij1;

import static org.conceptscope.fiji.commands.ConceptDiscoverySettings.*;

import ij.Macro;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;

import java.awt.GraphicsEnvironment;
import java.nio.file.Path;

import org.conceptscope.fiji.commands.ConceptDiscoveryRun;
import org.conceptscope.fiji.commands.ConceptDiscoverySettings;
import org.conceptscope.fiji.commands.ResultsDisplay;

/**
 * Plugins &gt; ConceptScope &gt; Concept Discovery... for ImageJ 1.x: the same code as
 * {@link org.conceptscope.fiji.commands.ConceptDiscoveryCommand}, options from the macro or a dialog.
 */
public class Concept_Discovery implements PlugIn {

	public static final String COMMAND = "Concept Discovery...";

	@Override
	public void run(String arg) {
		String options = Macro.getOptions();
		PluginTasks.run(COMMAND, "Concept Discovery", options, progress -> {
			ConceptDiscoverySettings s = options != null ? parse(options) : ask();
			if (s == null) return;
			ConceptDiscoveryRun.Result r = ConceptDiscoveryRun.run(s.folder == null ? WindowManager.getCurrentImage() : null, s, progress);
			ResultsDisplay.showResult(r.atlas());
			if (ResultsDisplay.interactive()) {
				r.plot().show();
				r.table().show("Concept importance");
			}
			progress.finished(r.bank().size() + " concept(s) of " + r.bank().className
				+ (r.written().isEmpty() ? "." : ", results in " + s.saveDir + "."));
		});
	}

	public static ConceptDiscoverySettings parse(String options) {
		MacroOptions o = MacroOptions.parse(options, COMMAND, KEYS);
		ConceptDiscoverySettings s = new ConceptDiscoverySettings();
		s.model = o.path(MODEL);
		s.folder = o.path(FOLDER);
		s.layer = o.text(LAYER, DEFAULT_LAYER);
		s.target = o.text(TARGET, DEFAULT_TARGET);
		s.patch = o.integer(PATCH, DEFAULT_PATCH);
		s.stride = o.integer(STRIDE, DEFAULT_STRIDE);
		s.concepts = o.integer(CONCEPTS, DEFAULT_CONCEPTS);
		s.seed = o.whole(SEED, DEFAULT_SEED);
		s.designs = o.integer(DESIGNS, DEFAULT_DESIGNS);
		s.examples = o.integer(EXAMPLES, DEFAULT_EXAMPLES);
		s.saveDir = o.path(SAVE_DIR);
		return s;
	}

	private static ConceptDiscoverySettings ask() {
		if (GraphicsEnvironment.isHeadless()) {
			throw new IllegalArgumentException("Headless, " + COMMAND + " needs its options: run(\"" + COMMAND
				+ "\", \"model=[/path/to/model] concepts=6 save_dir=[/path/to/results]\").");
		}
		ConceptDiscoverySettings d = new ConceptDiscoverySettings();
		GenericDialog gd = new GenericDialog("ConceptScope Concept Discovery");
		gd.addDirectoryField(MODEL, "", 40);
		gd.addDirectoryField(FOLDER, "", 40);
		gd.addStringField(LAYER, d.layer, 20);
		gd.addStringField(TARGET, d.target, 20);
		gd.addNumericField(PATCH, d.patch, 0);
		gd.addNumericField(STRIDE, d.stride, 0);
		gd.addNumericField(CONCEPTS, d.concepts, 0);
		gd.addNumericField(SEED, d.seed, 0);
		gd.addNumericField(DESIGNS, d.designs, 0);
		gd.addNumericField(EXAMPLES, d.examples, 0);
		gd.addDirectoryField(SAVE_DIR, "", 40);
		gd.showDialog();
		if (gd.wasCanceled()) return null;
		String m = gd.getNextString().trim(), f = gd.getNextString().trim();
		d.model = m.isEmpty() ? null : Path.of(m);
		d.folder = f.isEmpty() ? null : Path.of(f);
		d.layer = gd.getNextString().trim();
		d.target = gd.getNextString().trim();
		d.patch = (int) gd.getNextNumber();
		d.stride = (int) gd.getNextNumber();
		d.concepts = (int) gd.getNextNumber();
		d.seed = (long) gd.getNextNumber();
		d.designs = (int) gd.getNextNumber();
		d.examples = (int) gd.getNextNumber();
		String sd = gd.getNextString().trim();
		d.saveDir = sd.isEmpty() ? null : Path.of(sd);
		Dialogs.checkNumbers(gd);
		return d;
	}
}
