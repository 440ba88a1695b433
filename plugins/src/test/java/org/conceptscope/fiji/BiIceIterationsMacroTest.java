package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.conceptscope.fiji.MacroRunner.Macro;
import org.conceptscope.heads.BiIce;
import org.conceptscope.heads.InterpretableHead;
import org.conceptscope.testmodels.LabelledPatchFolders;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Train Interpretable Head's iterations key reaches Bi-ICE's iterative binding (Hong et al. 2024):
 * trained from a macro on real labelled ihc.png patches, the saved head binds in the rounds asked for,
 * and left out it takes the published iterative default, not the single static round.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BiIceIterationsMacroTest {

	@TempDir
	static Path work;

	private Map<String, String> logs;

	@BeforeAll
	void train() throws Exception {
		Path folder = work.resolve("classes");
		LabelledPatchFolders.ihcFiles(folder, 6);
		Path model = TestFiles.testImages().resolve("models").resolve("ihc-stain");
		Map<String, Macro> runs = new LinkedHashMap<>();
		runs.put("two", new Macro("run('Train Interpretable Head...', 'model=[" + model + "] folder=[" + folder + "] head=bi_ice concepts=3"
			+ " iterations=2 steps=20 save_dir=[" + work.resolve("two") + "]');\n", ""));
		runs.put("default", new Macro("run('Train Interpretable Head...', 'model=[" + model + "] folder=[" + folder + "] head=bi_ice concepts=3"
			+ " steps=20 save_dir=[" + work.resolve("default") + "]');\n", ""));
		runs.put("zero", new Macro("run('Train Interpretable Head...', 'model=[" + model + "] folder=[" + folder + "] head=bi_ice"
			+ " iterations=0 save_dir=[" + work.resolve("zero") + "]');\n", ""));
		logs = MacroRunner.run(runs, work);
	}

	@Test
	void theSavedHeadBindsInTheRoundsAskedFor() throws Exception {
		assertFalse(logs.get("two").contains("Error"), logs.get("two"));
		assertEquals(2, ((BiIce) InterpretableHead.load(work.resolve("two").resolve("head"))).iterations());
		assertEquals(BiIce.DEFAULT_ITERATIONS, ((BiIce) InterpretableHead.load(work.resolve("default").resolve("head"))).iterations());
		assertTrue(BiIce.DEFAULT_ITERATIONS > 1, "the published model binds iteratively");
		assertTrue(logs.get("zero").contains("iterations"), logs.get("zero"));
		assertFalse(work.resolve("zero").toFile().exists(), "nothing written");
	}
}
