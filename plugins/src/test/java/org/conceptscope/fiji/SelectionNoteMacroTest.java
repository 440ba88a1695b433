package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.conceptscope.fiji.MacroRunner.Macro;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user draws a rectangle on scikit-image's ihc.png (512x512) and runs Attribution... with its
 * defaults, as a macro in ImageJ 1.x: rois=none explains the whole image (961 tiles), not the
 * rectangle, and the Log says so, with the key that explains the selection alone. With
 * rois=selection, or without a selection, there is no such line.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SelectionNoteMacroTest {

	@TempDir
	static Path work;

	private Map<String, String> logs;

	static final String NOTE = "not its selection";

	@BeforeAll
	void runTheMacros() throws Exception {
		Path ihc = TestFiles.testImages().resolve("images/ihc.png");
		Path model = TestFiles.testImages().resolve("models/ihc-stain");
		String open = "setBatchMode(true);\nopen('" + ihc + "');\n";
		String report = "print('result ' + getTitle() + ' ' + getWidth() + 'x' + getHeight());\n";
		Map<String, Macro> runs = new LinkedHashMap<>();
		runs.put("rectangle", new Macro(open + "makeRectangle(200, 180, 64, 48);\nrun('Attribution...', 'model=[" + model
			+ "] method=saliency target=predicted output=image');\n" + report, ""));
		runs.put("rois=selection", new Macro(open + "makeRectangle(200, 180, 64, 48);\nrun('Attribution...', 'model=[" + model
			+ "] method=saliency target=predicted rois=selection');\n" + report, ""));
		runs.put("no selection", new Macro(open + "run('Attribution...', 'model=[" + model + "] method=saliency target=predicted output=image');\n"
			+ report, ""));
		logs = MacroRunner.run(runs, work);
	}

	@Test
	void anUnusedSelectionIsNamedOnceWithTheKeyThatUsesIt() {
		String log = logs.get("rectangle");
		assertTrue(log.contains("ConceptScope note: Attribution explains the whole image 'ihc.png' (512x512), not its selection (64x48 at 200,180):"
			+ " rois=none is the whole image; use rois=selection"), log);
		assertTrue(log.split(NOTE, -1).length == 2, "said once: " + log);
		assertTrue(log.contains("result ihc-saliency-map 512x512"), "the whole image is explained, as before: " + log);
	}

	@Test
	void aSelectionInUseOrNoneGetsNoNote() {
		assertFalse(logs.get("rois=selection").contains(NOTE), logs.get("rois=selection"));
		assertTrue(logs.get("rois=selection").contains("result ihc-saliency-regions"), logs.get("rois=selection"));
		assertFalse(logs.get("no selection").contains(NOTE), logs.get("no selection"));
		assertTrue(logs.get("no selection").contains("result ihc-saliency-map 512x512"), logs.get("no selection"));
	}
}
