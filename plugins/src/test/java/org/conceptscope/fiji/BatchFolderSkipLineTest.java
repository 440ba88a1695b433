package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.conceptscope.fiji.MacroRunner.Macro;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * batch_folder.ijm as a user runs it in ImageJ 1.x, on a folder of real images for the IHC stain
 * model (RGB): the held-out IHC patches are explained, pydicom's CT_small.dcm (one 16-bit channel)
 * is skipped, and the Log says why once, in the line that names the file, not a second time before
 * it without the file (the command's own failure line, which MacroCalls.tryRun used to log too).
 */
class BatchFolderSkipLineTest {

	@TempDir
	static Path work;

	static int count(String text, String what) {
		return text.split(Pattern.quote(what), -1).length - 1;
	}

	@Test
	void aSkippedImageIsNamedOnceWithItsReason() throws Exception {
		Path in = Files.createDirectories(work.resolve("in"));
		for (String name : List.of("ihc-heldout-patches.tif", "CT_small.dcm")) {
			Files.copy(TestFiles.testImages().resolve("images").resolve(name), in.resolve(name));
		}
		Path out = work.resolve("out");
		Map<String, Macro> runs = new LinkedHashMap<>();
		runs.put("batch", new Macro(Files.readString(TestFiles.macros().resolve("batch_folder.ijm")), "input=[" + in + "] model=["
			+ TestFiles.testImages().resolve("models/ihc-stain") + "] save_dir=[" + out + "] method=saliency"));
		String log = MacroRunner.run(runs, work).get("batch");
		String why = "'CT_small.dcm' has 1 channel(s), but the model takes 3";
		assertTrue(log.contains("ConceptScope batch: skipped CT_small.dcm: " + why), log);
		assertEquals(1, count(log, why), "the reason is said once: " + log);
		assertTrue(log.contains("ConceptScope batch: 1 image(s) explained, 1 skipped (see batch-summary.csv)"), log);
		String summary = Files.readString(out.resolve("batch-summary.csv"));
		assertTrue(summary.contains("\"CT_small.dcm\",skipped,\"" + why), "the summary keeps the reason: " + summary);
		assertTrue(Files.isRegularFile(out.resolve("ihc-heldout-patches-saliency-results.csv")), "the RGB patches are explained");
	}
}
