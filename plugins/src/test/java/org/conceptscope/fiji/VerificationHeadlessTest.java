package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.plugin.SubstackMaker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.scijava.Context;
import org.scijava.console.ConsoleService;
import org.scijava.log.LogLevel;
import org.scijava.log.LogService;
import org.scijava.startup.StartupService;

/**
 * EVA and MeGe/ReCo the way {@code ImageJ --headless --run "<command>" "k='v',..."} runs them
 * (ConsoleService.processArgs, then the startup operations): EVA with CROWN bounds on the IHC
 * stack, MeGe/ReCo on a folder of labelled real CT patches with the CT model, without any image.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VerificationHeadlessTest {

	@TempDir
	Path out;

	private Context context;
	private final List<String> errors = new CopyOnWriteArrayList<>();
	private final Path testImages = TestFiles.testImages();

	@BeforeAll
	void startSciJava() {
		context = new Context();
		context.service(LogService.class).addLogListener(m -> {
			if (m.level() <= LogLevel.ERROR) errors.add(m.text());
		});
	}

	@AfterAll
	void stopSciJava() {
		context.dispose();
	}

	@BeforeEach
	void clearErrors() {
		errors.clear();
	}

	@Test
	void evaRunsHeadlessByMenuLabelWithCrownBounds() throws IOException {
		Path three = out.resolve("ihc-three.tif");
		IJ.saveAsTiff(new SubstackMaker().makeSubstack(IJ.openImage(testImages.resolve("images/ihc-heldout-patches.tif").toString()), "1-3"),
			three.toString());
		Path save = out.resolve("eva");
		runHeadless("Attribution...", "image='" + three + "',model='" + testImages.resolve("models/ihc-stain")
			+ "',method='eva',epsilon=0.004,grid=4,bounds='crown',output='image',save_dir='" + save + "'");
		assertEquals(List.of(), errors);
		assertEquals(List.of("ihc-three-eva-RoiSet.zip", "ihc-three-eva-map.tif", "ihc-three-eva-results.csv"), TestFiles.names(save));
		List<List<String>> csv = Csv.parse(Files.readString(save.resolve("ihc-three-eva-results.csv")));
		List<String> h = csv.get(0);
		assertEquals(1 + 3, csv.size());
		for (List<String> row : csv.subList(1, 4)) {
			double margin = Double.parseDouble(row.get(h.indexOf("margin"))), lower = Double.parseDouble(row.get(h.indexOf("margin_lower_bound"))),
				upper = Double.parseDouble(row.get(h.indexOf("margin_upper_bound")));
			assertTrue(lower <= margin && margin <= upper, row.toString());
			// CROWN verifies these three patches at this radius: no image within 0.004 (about 1 grey level) changes the class
			assertTrue(lower > 0, "verified robust: " + row);
		}
	}

	@Test
	void megeRecoRunsHeadlessOnALabelledFolderWithoutAnImage(@TempDir Path dir) throws IOException {
		Path folder = LabelledPatchFolders.ct(dir.resolve("ct labelled"), 20);
		Path save = dir.resolve("results");
		runHeadless("Evaluate Explanation...", "model='" + testImages.resolve("models/ct-tissue") + "',metric='mege_reco',folder='" + folder
			+ "',methods='gradient_x_input, random',folds=3,training_steps=150,seed=7,save_dir='" + save + "'");
		assertEquals(List.of(), errors);
		assertEquals(List.of("ct labelled-mege_reco.csv"), TestFiles.names(save));
		List<List<String>> csv = Csv.parse(Files.readString(save.resolve("ct labelled-mege_reco.csv")));
		assertEquals(List.of("method", "mege", "reco", "same_pairs", "different_pairs", "fold_1_accuracy", "fold_2_accuracy",
			"fold_3_accuracy"), csv.get(0));
		assertEquals("gradient_x_input", csv.get(1).get(0));
		assertEquals("random", csv.get(2).get(0));
		for (List<String> row : csv.subList(1, 3)) {
			for (int c = 1; c <= 2; c++) {
				double v = Double.parseDouble(row.get(c));
				assertTrue(v >= 0 && v <= 1, row.toString());
			}
			for (int c = 5; c < 8; c++) assertTrue(Double.parseDouble(row.get(c)) > 0.6, "each fold model learned air / soft tissue / bone: " + row);
		}
		assertTrue(Double.parseDouble(csv.get(1).get(1)) > Double.parseDouble(csv.get(2).get(1)), "gradient x input above random: " + csv);

		runHeadless("Evaluate Explanation...", "model='" + testImages.resolve("models/ct-tissue") + "',metric='mege_reco',folder='" + folder
			+ "',methods='saliency, smoothgrad2',save_dir='" + dir.resolve("typo") + "'");
		assertTrue(errors.stream().anyMatch(e -> e.contains("Unknown method 'smoothgrad2' in methods")), errors.toString());
		assertFalse(Files.exists(dir.resolve("typo")), "nothing written");
	}

	private void runHeadless(String command, String args) {
		context.service(ConsoleService.class).processArgs("--headless", "--run", command, args);
		context.service(StartupService.class).executeOperations();
	}
}
