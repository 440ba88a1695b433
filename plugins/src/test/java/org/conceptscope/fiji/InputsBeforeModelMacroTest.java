package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.fiji.MacroRunner.Macro;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * What needs no model is refused before the model loads (a load takes seconds, a large model
 * minutes): macros naming a model that does not exist, with an input mistake besides, get the
 * sentence about the input mistake, so the mistake was found before the model was opened. The ROIs
 * of Attribution (no selection; rois=manager headless, where no ROI Manager can exist, which
 * stopped on a HeadlessException; a mistyped RoiSet path), LIME's keep probability of 1, and the
 * missing current image of Concept Discovery, Concept Importance, Concept Graph, TCAV's ROI
 * concepts and Feature Visualization.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InputsBeforeModelMacroTest {

	@TempDir
	static Path work;

	private Path missingModel;
	private Map<String, String> logs;

	@BeforeAll
	void runTheMacros() throws Exception {
		missingModel = work.resolve("no-such-model");
		Path ihc = TestFiles.testImages().resolve("images/ihc.png");
		ConceptBank bank = new ConceptBank();
		bank.layer = "conv2/relu";
		bank.className = "DAB-positive";
		bank.classIndex = 2;
		bank.concepts = new double[][] { { 1, 0 }, { 0, 1 } };
		Path concepts = work.resolve("concepts.json");
		bank.save(concepts);
		Path random = Files.createDirectories(work.resolve("random"));
		String model = "model=[" + missingModel + "]";
		String open = "setBatchMode(true);\nopen('" + ihc + "');\n", none = "setBatchMode(true);\nclose('*');\n";
		Map<String, Macro> runs = new LinkedHashMap<>();
		runs.put("no selection", new Macro(open + "run('Select None');\nrun('Attribution...', '" + model + " rois=selection');\n", ""));
		runs.put("empty manager", new Macro(open + "run('Attribution...', '" + model + " rois=manager');\n", ""));
		runs.put("no roi file", new Macro(open + "run('Attribution...', '" + model + " rois=[" + work.resolve("RoiSte.zip") + "]');\n", ""));
		runs.put("lime keeps all", new Macro(open + "run('Attribution...', '" + model + " method=lime keep_probability=1');\n", ""));
		runs.put("discovery", new Macro(none + "run('Concept Discovery...', '" + model + " save_dir=[" + work.resolve("d") + "]');\n", ""));
		runs.put("importance", new Macro(none + "run('Concept Importance...', '" + model + " concepts=[" + concepts + "] save_dir=["
			+ work.resolve("i") + "]');\n", ""));
		runs.put("graph", new Macro(none + "run('Concept Graph...', '" + model + " save_dir=[" + work.resolve("g") + "]');\n", ""));
		runs.put("tcav", new Macro(none + "run('TCAV...', '" + model + " random=[" + random + "] save_dir=[" + work.resolve("t") + "]');\n", ""));
		runs.put("tcav no rois", new Macro(open + "run('Remove Overlay');\nrun('TCAV...', '" + model + " random=[" + random + "] save_dir=["
			+ work.resolve("t2") + "]');\n", ""));
		runs.put("visualization", new Macro(none + "run('Feature Visualization...', '" + model + " target=0 save_dir=[" + work.resolve("v")
			+ "]');\n", ""));
		logs = MacroRunner.run(runs, work);
	}

	/** The macro's error is the sentence about the input, not the missing model's (which opening it first reports). */
	private void refusedBeforeTheModel(String run, String sentence) {
		String log = logs.get(run);
		int error = log.indexOf("Macro Error: ");
		assertTrue(error >= 0, run + ": no error: " + log);
		String message = log.substring(error + "Macro Error: ".length());
		assertTrue(message.startsWith(sentence), run + ": " + message);
		assertFalse(message.startsWith("The model"), run + ": the model was opened first: " + message);
		assertFalse(log.contains("The model folder " + missingModel), run + ": " + log);
	}

	@Test
	void attributionChecksItsRoisAndMethodBeforeTheModel() {
		refusedBeforeTheModel("no selection", "rois=selection but the image 'ihc.png' has no selection");
		refusedBeforeTheModel("empty manager", "rois=manager but there is no ROI Manager headless: save the ROIs as a RoiSet.zip");
		refusedBeforeTheModel("no roi file", "The ROI file " + work.resolve("RoiSte.zip") + " does not exist");
		refusedBeforeTheModel("lime keeps all", "LIME's keep probability must lie strictly between 0 and 1, got 1.0.");
	}

	@Test
	void commandsOnTheCurrentImageSayNoImageIsOpenBeforeTheModel() {
		for (String run : new String[] { "discovery", "importance", "graph", "tcav", "visualization" }) {
			refusedBeforeTheModel(run, "No image is open: open an image or stack first");
		}
		refusedBeforeTheModel("tcav no rois", "No concepts: set concepts=[folder with one subfolder of example images per concept], or draw ROIs"
			+ " on 'ihc.png'");
	}
}
