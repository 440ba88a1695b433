package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.conceptscope.fiji.MacroRunner.Macro;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nearest Examples on a whole slide, as a user meets it: a macro in a fresh ImageJ of 320 MB heap,
 * scikit-image's ihc.png scaled to 2048 x 2048 (4096 tiles of the bundled 32 x 32 IHC model, each a
 * case) with its 3 nearest examples each. The montage, one row per case, would be 266 x 327682
 * pixels: the run is refused in one sentence before the training folder is read, and nothing is
 * written. Before the check the run read the folder, searched every case and then ran out of memory
 * building (in 1 GB: saving) the montage. ihc.png itself (256 cases) still runs in the same heap.
 */
class ExamplesMontageHeapMacroTest {

	@TempDir
	Path work;

	@Test
	void aMontageOfThousandsOfCasesIsRefusedBeforeTheFolderIsRead() throws Exception {
		Path model = TestFiles.testImages().resolve("models/ihc-stain"), ihc = TestFiles.testImages().resolve("images/ihc.png");
		Path training = Files.createDirectories(work.resolve("training"));
		Files.copy(TestFiles.testImages().resolve("images/ihc-heldout-patches.tif"), training.resolve("ihc-heldout-patches.tif"));
		Path big = work.resolve("big"), small = work.resolve("small");
		String examples = "run('Nearest Examples...', 'model=[" + model + "] folder=[" + training + "] neighbours=3 prototypes=0 save_dir=[%s]');\n";
		Map<String, Macro> runs = new LinkedHashMap<>();
		runs.put("slide", new Macro("setBatchMode(true);\nopen('" + ihc + "');\n"
			+ "run('Scale...', 'x=4 y=4 width=2048 height=2048 interpolation=Bilinear create title=ihc2048');\n"
			+ String.format(examples, big), ""));
		runs.put("image", new Macro("setBatchMode(true);\nopen('" + ihc + "');\n" + String.format(examples, small), ""));
		Map<String, String> logs = MacroRunner.run(runs, work, "-Xmx320m");

		String log = logs.get("slide");
		assertTrue(log.contains("The montage of 4096 case(s) with their 3 nearest example(s) would be 266 x 327682 pixels and needs about 1.1 GB"
			+ " to build and save, more than the "), log);
		assertTrue(log.contains("take fewer cases (crop the image to the region to explain, Image > Crop, or take a substack), ask for fewer"
			+ " neighbours, or neighbours=0 for the prototypes alone, or give ImageJ more memory"), log);
		assertFalse(log.contains("reading images") || log.contains("training examples"), "refused before the folder is read: " + log);
		assertFalse(log.contains("out of memory") || log.contains("OutOfMemory"), log);
		assertFalse(Files.exists(big), "nothing written");

		String ran = logs.get("image");
		assertTrue(Files.isRegularFile(small.resolve("ihc-nearest.tif")) && Files.isRegularFile(small.resolve("ihc-nearest.csv")), ran);
	}
}
