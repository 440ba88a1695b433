package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.io.FileSaver;
import ij.process.ByteProcessor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.conceptscope.fiji.MacroRunner.Macro;
import org.conceptscope.tcav.CavBank;
import org.conceptscope.tcav.ConceptActivationVector;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * macros/tcav.ijm and TCAV with ROIs, run through ImageJ 1.x's macro interpreter, headless, in a
 * child JVM ({@link MacroRunner}), on the known-answer model (logit of "region B" = the sum of
 * square R_1). Planted concept: images whose R_1 is bright, which is what the class responds to, so
 * its score is 1 and significant at both layers; a concept made of the counterexamples' own noise is
 * not significant. The saved CAVs score new images; ROIs named after a concept give its examples.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TcavMacrosTest {

	@TempDir
	static Path work;

	private Map<String, String> logs;
	private Path out, rois, images;

	static boolean inR1(int x, int y) {
		return x >= 18 && x < 26 && y >= 20 && y < 28;
	}

	/** 8-bit 32 x 32 noise in [0, noise) plus {@code square} inside R_1. */
	static ByteProcessor slice(Random r, int noise, int square) {
		ByteProcessor ip = new ByteProcessor(32, 32);
		for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) ip.set(x, y, r.nextInt(noise) + (inR1(x, y) ? square : 0));
		return ip;
	}

	/** n single images in a folder. */
	static Path folder(Path dir, int n, int noise, int square, long seed) throws IOException {
		Files.createDirectories(dir);
		Random r = new Random(seed);
		for (int i = 0; i < n; i++) {
			Path f = dir.resolve(String.format("img%02d.tif", i));
			if (!new FileSaver(new ImagePlus(f.getFileName().toString(), slice(r, noise, square))).saveAsTiff(f.toString())) throw new IOException(f.toString());
		}
		return dir;
	}

	private Path model() {
		return TestFiles.testImages().resolve("models").resolve("known-answer");
	}

	@BeforeAll
	void runMacrosInImageJ() throws Exception {
		images = folder(work.resolve("class"), 16, 128, 120, 5);
		Path concepts = work.resolve("concepts");
		folder(concepts.resolve("bright R_1"), 20, 70, 180, 1);
		folder(concepts.resolve("noise"), 20, 256, 0, 2);
		// a hidden folder a notebook leaves beside the concepts is no concept
		Files.writeString(Files.createDirectories(concepts.resolve(".ipynb_checkpoints")).resolve("notes-checkpoint.ipynb"), "{}");
		Path random = folder(work.resolve("random"), 60, 256, 0, 4);
		out = work.resolve("out");
		// a stack for ROIs: 20 slices of 64 x 64 noise, each holding at (16, 8) a 32 x 32 image whose R_1 is bright
		ImageStack stack = new ImageStack(64, 64);
		Random r = new Random(7);
		for (int i = 0; i < 20; i++) {
			ByteProcessor ip = new ByteProcessor(64, 64);
			for (int y = 0; y < 64; y++) for (int x = 0; x < 64; x++) ip.set(x, y, r.nextInt(256));
			ip.insert(slice(r, 70, 180), 16, 8);
			stack.addSlice("s" + i, ip);
		}
		Path roiStack = work.resolve("rois.tif");
		new FileSaver(new ImagePlus("rois.tif", stack)).saveAsTiffStack(roiStack.toString());
		rois = work.resolve("rois-out");
		Map<String, Macro> runs = new LinkedHashMap<>();
		runs.put("tcav", new Macro(Files.readString(TestFiles.macros().resolve("tcav.ijm")), "model=[" + model() + "] folder=[" + images
			+ "] concepts=[" + concepts + "] random=[" + random + "] target=[region B] layers=[conv1/relu,conv2/relu] save_dir=[" + out + "]"));
		StringBuilder roiMacro = new StringBuilder("setBatchMode(true); open('" + roiStack + "');\n");
		for (int i = 1; i <= 20; i++) {
			roiMacro.append("setSlice(" + i + "); makeRectangle(16, 8, 32, 32); Roi.setName('bright'); Roi.setPosition(" + i
				+ "); Overlay.addSelection;\n");
		}
		roiMacro.append("run('Select None');\nrun('TCAV...', 'model=[" + model() + "] folder=[" + images + "] random=[" + random
			+ "] target=1 layers=[conv2/relu] runs=16 save_dir=[" + rois + "]');\n");
		runs.put("rois", new Macro(roiMacro.toString(), ""));
		runs.put("no random", new Macro("setBatchMode(true);\nrun('TCAV...', 'model=[" + model() + "] folder=[" + images + "] concepts=["
			+ concepts + "] save_dir=[" + work.resolve("bad") + "]');\nprint('still running');\n", ""));
		logs = MacroRunner.run(runs, work);
	}

	@Test
	void thePlantedConceptIsSignificantAndNoiseIsNot() throws IOException {
		assertFalse(logs.get("tcav").contains("Error"), logs.get("tcav"));
		assertEquals(List.of("cavs.json", "tcav-scores.csv", "tcav-scores.png", "tcav.csv", "tcav.png"), TestFiles.names(out));
		List<List<String>> csv = Csv.parse(Files.readString(out.resolve("tcav.csv")));
		assertEquals(List.of("concept", "layer", "class", "tcav_score", "score_std", "random_score", "random_std", "magnitude", "cav_accuracy",
			"p_value", "significant", "runs", "examples", "random_set", "near_chance"), csv.get(0));
		assertEquals(1 + 4, csv.size(), "2 concepts x 2 layers");
		assertFalse(logs.get("tcav").contains("ConceptScope TCAV note"), "no significant row near chance: " + logs.get("tcav"));
		for (List<String> row : csv.subList(1, csv.size())) {
			assertEquals("region B", row.get(2));
			assertEquals("20", row.get(11), "runs=20 by default");
			assertEquals("20", row.get(12));
			double p = Double.parseDouble(row.get(9));
			if (row.get(0).equals("bright R_1")) {
				assertEquals(1.0, Double.parseDouble(row.get(3)), 0, row.toString());
				assertEquals("true", row.get(10), row.toString());
				assertTrue(p < 0.05 / 4, row.toString());
				assertEquals("false", row.get(14), "CAVs far from chance: " + row);
			} else {
				assertEquals("noise", row.get(0));
				assertEquals("false", row.get(10), row.toString());
			}
		}
		CavBank bank = CavBank.load(out.resolve("cavs.json"));
		assertEquals(4, bank.vectors().size());
		for (ConceptActivationVector v : bank.vectors()) assertEquals(32 * 32, v.direction().length, v.layer());
		ImagePlus plot = IJ.openImage(out.resolve("tcav.png").toString());
		assertTrue(plot != null && plot.getWidth() > 100, "the plot is a readable PNG");
		// the bank scored on the class images by the macro's second run
		List<List<String>> scores = Csv.parse(Files.readString(out.resolve("tcav-scores.csv")));
		assertEquals(List.of("concept", "layer", "class", "tcav_score", "magnitude", "images"), scores.get(0));
		assertEquals(1 + 4, scores.size());
		for (List<String> row : scores.subList(1, scores.size())) {
			if (row.get(0).equals("bright R_1")) assertEquals(1.0, Double.parseDouble(row.get(3)), 0, row.toString());
			assertEquals("16", row.get(5));
		}
	}

	/** A bank made with another model is scored with a warning naming both models (layers of the same shapes cannot tell them apart). */
	@Test
	void aBankOfAnotherModelIsScoredWithAWarning() throws Exception {
		Path other = work.resolve("other-bank").resolve("cavs.json");
		new CavBank("another model", CavBank.load(out.resolve("cavs.json")).vectors()).save(other);
		Map<String, Macro> run = Map.of("other", new Macro("setBatchMode(true);\nrun('TCAV...', 'model=[" + model() + "] folder=[" + images
			+ "] cavs=[" + other + "] target=[region B] save_dir=[" + other.getParent() + "]');\n", ""));
		String log = MacroRunner.run(run, work).get("other");
		assertFalse(log.contains("Error"), log);
		assertTrue(log.contains("ConceptScope warning: the CAVs in cavs.json were made with the model 'another model' and are scored with '"), log);
		assertTrue(Files.exists(other.resolveSibling("tcav-scores.csv")), "the scores are still written");
	}

	@Test
	void roisNamedAfterAConceptAreItsExamples() throws IOException {
		assertFalse(logs.get("rois").contains("Error"), logs.get("rois"));
		List<List<String>> csv = Csv.parse(Files.readString(rois.resolve("tcav.csv")));
		assertEquals(1 + 1, csv.size());
		List<String> row = csv.get(1);
		assertEquals(List.of("bright", "conv2/relu", "region B"), row.subList(0, 3));
		assertEquals("20", row.get(12), "one example per ROI");
		assertEquals("16", row.get(11));
		// each ROI cuts the planted image out of its slice: R_1 bright, what the class responds to
		assertEquals(1.0, Double.parseDouble(row.get(3)), 0, row.toString());
		assertEquals("true", row.get(10), row.toString());
	}

	@Test
	void missingCounterexamplesAreOneSentence() {
		String bad = logs.get("no random");
		assertTrue(bad.contains("No random counterexamples given: set random=[a folder of images without the concepts]"), bad);
		assertFalse(bad.contains("still running"), "the macro is aborted");
		assertFalse(Files.exists(work.resolve("bad")));
	}
}
