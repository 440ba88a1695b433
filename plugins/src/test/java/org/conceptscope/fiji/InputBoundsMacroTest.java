package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.process.ByteProcessor;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.conceptscope.fiji.MacroRunner.Macro;
import org.conceptscope.fiji.batch.Batch;
import org.conceptscope.testsupport.ChildJvm;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit's case as a user meets it: Attribution with Occlusion's patch=600 on the 512 x 512 IHC
 * image and the IHC stain model (32 x 32 input) ran and wrote a map of every tile fully occluded
 * (a meaningless map) without a word. Size-like values larger than the model's input (Occlusion's
 * patch, the grids, SLIC's superpixels) are refused once the model is open, before any
 * tile is explained, in one sentence naming the key, the value, the input's size and what to give;
 * nothing is written. Through real macros in a fresh ImageJ and through the batch runner's main
 * (what {@code java -jar} starts). Occlusion's stride is not bounded (the last patch is flush with
 * the border): patch=16 stride=32 occludes each tile's quadrants and runs. A model that takes any size
 * (its input [N, -1, -1, 1]) makes each map on the image itself: the same values are bounded by the
 * image's size (20 x 16 here), refused over it in the same sentence naming the image, run within it;
 * Evaluate Explanation's deletion steps are bounded by the pixels the same way.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InputBoundsMacroTest {

	@TempDir
	static Path work;

	private Path ihc, model, strip, anySize;
	private Map<String, String> logs;

	static String sentence(String method, String key, int value, String why, long max) {
		return method + "'s " + key + "=" + value + " does not fit the model's input of 32 x 32 pixels, the image each map is made on (" + why
			+ "): give " + key + "=" + max + " or less.";
	}

	static final String PATCH = "a patch that large occludes the whole input at once, so every pixel would get the same value",
		GRID = "a finer grid leaves cells that hold no pixel", SEGMENTS = "there cannot be more segments than pixels";

	@BeforeAll
	void runTheMacros() throws Exception {
		ihc = TestFiles.testImages().resolve("images/ihc.png");
		model = TestFiles.testImages().resolve("models/ihc-stain");
		String open = "setBatchMode(true);\nopen('" + ihc + "');\n";
		Map<String, Macro> runs = new LinkedHashMap<>();
		for (String[] run : new String[][] { { "patch", "method=occlusion patch=600 stride=4" }, { "stride", "method=occlusion patch=16 stride=32" },
			{ "rise", "method=rise grid=33 samples=8" }, { "eva", "method=eva grid=40" },
			{ "superpixels", "method=kernel_shap segments=slic superpixels=2000 samples=8" } }) {
			runs.put(run[0], new Macro(open + "run('Attribution...', 'model=[" + model + "] " + run[1] + " save_dir=[" + work.resolve(run[0])
				+ "]');\n", ""));
		}
		// a model of any size (the project's Tanh test model, built in Java, no random weights) and a 20 x 16 image
		anySize = TanhModel.export(work.resolve("any-size"), -1, -1);
		ByteProcessor ip = new ByteProcessor(20, 16);
		for (int i = 0; i < 20 * 16; i++) ip.set(i, (i * 37) % 256);
		strip = work.resolve("strip.tif");
		assertTrue(IJ.saveAsTiff(new ImagePlus("strip", ip), strip.toString()));
		String openStrip = "setBatchMode(true);\nopen('" + strip + "');\n";
		for (String[] run : new String[][] { { "any patch", "Attribution...", "method=occlusion patch=20 stride=4" },
			{ "any patch within", "Attribution...", "method=occlusion patch=19 stride=4" },
			{ "any grid", "Attribution...", "method=rise grid=17 samples=8" }, { "any grid within", "Attribution...", "method=rise grid=16 samples=8" },
			{ "any superpixels", "Attribution...", "method=kernel_shap segments=slic superpixels=321 samples=8" },
			{ "any steps", "Evaluate Explanation...", "method=saliency metric=deletion steps=321" },
			{ "any steps within", "Evaluate Explanation...", "method=saliency metric=deletion steps=320" } }) {
			runs.put(run[0], new Macro(openStrip + "run('" + run[1] + "', 'model=[" + anySize + "] " + run[2] + " save_dir=["
				+ work.resolve(run[0].replace(' ', '-')) + "]');\n", ""));
		}
		logs = MacroRunner.run(runs, work);
	}

	static String anySizeSentence(String method, String key, int value, String why, long max) {
		return method + "'s " + key + "=" + value + " does not fit the image of 20 x 16 pixels, the image each map is made on (" + why
			+ "): give " + key + "=" + max + " or less.";
	}

	static final String STEPS = "each step removes or inserts at least one pixel, so more steps only repeat points of the curve at the cost of"
		+ " model calls";

	@Test
	void aModelOfAnySizeBoundsTheValuesByTheImage() throws Exception {
		refused("any patch", anySizeSentence("Occlusion", "patch", 20, PATCH, 19));
		refused("any grid", anySizeSentence("RISE", "grid", 17, GRID, 16));
		refused("any superpixels", anySizeSentence("Kernel SHAP", "superpixels", 321, SEGMENTS, 320));
		refused("any steps", anySizeSentence("Deletion", "steps", 321, STEPS, 320));
		for (String within : new String[] { "any patch within", "any grid within", "any steps within" }) {
			String log = logs.get(within);
			assertFalse(log.contains("Macro Error"), within + ": " + log);
			try (var files = Files.list(work.resolve(within.replace(' ', '-')))) {
				assertTrue(files.findAny().isPresent(), within + ": written: " + log);
			}
		}
	}

	private void refused(String run, String sentence) {
		String log = logs.get(run);
		run = run.replace(' ', '-');
		int error = log.indexOf("Macro Error: ");
		assertTrue(error >= 0, run + ": no error: " + log);
		assertTrue(log.substring(error + "Macro Error: ".length()).startsWith(sentence), run + ": " + log);
		assertFalse(Files.exists(work.resolve(run)), run + ": nothing written");
	}

	@Test
	void macrosAreRefusedBeforeAnyTileInOneSentence() {
		refused("patch", sentence("Occlusion", "patch", 600, PATCH, 31));
		refused("rise", sentence("RISE", "grid", 33, GRID, 32));
		refused("eva", sentence("EVA (verified perturbation analysis)", "grid", 40, GRID, 32));
		refused("superpixels", sentence("Kernel SHAP", "superpixels", 2000, SEGMENTS, 1024));
	}

	@Test
	void occlusionWithAStrideLongerThanTheInputRuns() throws Exception {
		String log = logs.get("stride");
		assertFalse(log.contains("Macro Error"), log);
		try (var files = Files.list(work.resolve("stride"))) {
			assertTrue(files.findAny().isPresent(), "the map is written: " + log);
		}
	}

	@Test
	void theBatchRunnerRefusesTheSameWayAndWritesNothing() throws Exception {
		Path out = work.resolve("batch-out");
		ProcessBuilder pb = new ProcessBuilder(ChildJvm.command(List.of("-Xmx1g", "-XX:MaxDirectMemorySize=512m", "-Djava.awt.headless=true"),
			Batch.class, List.of("input=" + ihc, "model=" + model, "save_dir=" + out, "method=occlusion", "patch=600")));
		Process p = pb.redirectErrorStream(true).start();
		String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertTrue(p.waitFor(3, TimeUnit.MINUTES), text);
		assertEquals(1, p.exitValue(), text);
		assertTrue(text.contains(sentence("Occlusion", "patch", 600, PATCH, 31)), text);
		assertFalse(text.contains("Exception"), text);
		assertFalse(Files.exists(out), "nothing written: " + text);
	}
}
