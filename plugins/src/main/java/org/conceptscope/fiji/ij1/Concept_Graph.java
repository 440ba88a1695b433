package org.conceptscope.fiji.ij1;

import static org.conceptscope.fiji.commands.ConceptGraphSettings.*;

import ij.Macro;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;

import java.awt.GraphicsEnvironment;
import java.nio.file.Path;

import org.conceptscope.fiji.commands.ConceptGraphDisplay;
import org.conceptscope.fiji.commands.ConceptGraphRun;
import org.conceptscope.fiji.commands.ConceptGraphSettings;

/**
 * Plugins &gt; ConceptScope &gt; Concept Graph... for ImageJ 1.x: the same code as
 * {@link org.conceptscope.fiji.commands.ConceptGraphCommand}, options from the macro or a dialog.
 */
public class Concept_Graph implements PlugIn {

	public static final String COMMAND = "Concept Graph...";

	@Override
	public void run(String arg) {
		String options = Macro.getOptions();
		PluginTasks.run(COMMAND, "Concept Graph", options, progress -> {
			ConceptGraphSettings s = options != null ? parse(options) : ask();
			if (s == null) return;
			ConceptGraphRun.Result r = ConceptGraphRun.run(s.folder == null ? WindowManager.getCurrentImage() : null, s, progress);
			org.conceptscope.fiji.commands.ResultsDisplay.showResult(r.picture());
			ConceptGraphDisplay.show(r);
			progress.finished(r.graph().edges().size() + " edge(s) between " + r.graph().banks().size() + " layer(s) and the class"
				+ (r.written().isEmpty() ? "." : ", results in " + s.saveDir + "."));
		});
	}

	public static ConceptGraphSettings parse(String options) {
		MacroOptions o = MacroOptions.parse(options, COMMAND, KEYS);
		ConceptGraphSettings s = new ConceptGraphSettings();
		s.model = o.path(MODEL);
		s.folder = o.path(FOLDER);
		s.layers = o.text(LAYERS, DEFAULT_LAYERS).trim();
		s.target = o.text(TARGET, DEFAULT_TARGET);
		s.concepts = o.integer(CONCEPTS, DEFAULT_CONCEPTS);
		s.samples = o.integer(SAMPLES, DEFAULT_SAMPLES);
		s.seed = o.whole(SEED, DEFAULT_SEED);
		s.steps = o.integer(STEPS, DEFAULT_STEPS);
		s.examples = o.integer(EXAMPLES, DEFAULT_EXAMPLES);
		s.erfMass = o.decimal(ERF_MASS, DEFAULT_ERF_MASS);
		s.topFraction = o.decimal(TOP_FRACTION, DEFAULT_TOP_FRACTION);
		s.output = o.text(OUTPUT, DEFAULT_OUTPUT);
		s.saveDir = o.path(SAVE_DIR);
		return s;
	}

	private static ConceptGraphSettings ask() {
		if (GraphicsEnvironment.isHeadless()) {
			throw new IllegalArgumentException("Headless, " + COMMAND + " needs its options: run(\"" + COMMAND
				+ "\", \"model=[/path/to/model] layers=[conv1/relu,conv2/relu] concepts=4 save_dir=[/path/to/results]\").");
		}
		ConceptGraphSettings d = new ConceptGraphSettings();
		GenericDialog gd = new GenericDialog("ConceptScope Concept Graph");
		gd.addDirectoryField(MODEL, "", 40);
		gd.addDirectoryField(FOLDER, "", 40);
		gd.addStringField(LAYERS, d.layers, 30);
		gd.addStringField(TARGET, d.target, 20);
		gd.addNumericField(CONCEPTS, d.concepts, 0);
		gd.addNumericField(SAMPLES, d.samples, 0);
		gd.addNumericField(SEED, d.seed, 0);
		gd.addNumericField(STEPS, d.steps, 0);
		gd.addNumericField(EXAMPLES, d.examples, 0);
		gd.addNumericField(ERF_MASS, d.erfMass, 2);
		gd.addNumericField(TOP_FRACTION, d.topFraction, 2);
		gd.addChoice(OUTPUT, new String[] { "channel", "image" }, d.output);
		gd.addDirectoryField(SAVE_DIR, "", 40);
		gd.showDialog();
		if (gd.wasCanceled()) return null;
		String m = gd.getNextString().trim(), f = gd.getNextString().trim();
		d.model = m.isEmpty() ? null : Path.of(m);
		d.folder = f.isEmpty() ? null : Path.of(f);
		d.layers = gd.getNextString().trim();
		d.target = gd.getNextString().trim();
		d.concepts = (int) gd.getNextNumber();
		d.samples = (int) gd.getNextNumber();
		d.seed = (long) gd.getNextNumber();
		d.steps = (int) gd.getNextNumber();
		d.examples = (int) gd.getNextNumber();
		d.erfMass = gd.getNextNumber();
		d.topFraction = gd.getNextNumber();
		d.output = gd.getNextChoice();
		String sd = gd.getNextString().trim();
		d.saveDir = sd.isEmpty() ? null : Path.of(sd);
		Dialogs.checkNumbers(gd);
		return d;
	}
}
