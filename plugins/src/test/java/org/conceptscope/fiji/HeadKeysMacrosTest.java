package org.conceptscope.fiji;

import org.conceptscope.fiji.run.Models;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

import org.conceptscope.fiji.MacroRunner.Macro;
import org.conceptscope.heads.BiIce;
import org.conceptscope.heads.InfoDisent;
import org.conceptscope.heads.InterpretableHead;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.testmodels.LabelledPatchFolders;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The heads' keys through macros, on real labelled ihc.png patches and the bundled stack. Train
 * Interpretable Head's iterations reaches Bi-ICE's iterative binding (Hong et al. 2024): the saved
 * head binds in the rounds asked for, and left out it takes the default. Explain
 * with Head's bias row holds InfoDisent's class bias (Struski et al. 2024), and with it every part's
 * contribution adds up to the target logit.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HeadKeysMacrosTest {

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
		Path stack = TestFiles.testImages().resolve("images").resolve("ihc-heldout-patches.tif");
		runs.put("infodisent", new Macro("run('Train Interpretable Head...', 'model=[" + model + "] folder=[" + folder + "] head=infodisent"
			+ " steps=40 save_dir=[" + work.resolve("infodisent") + "]');\n", ""));
		runs.put("explain", new Macro("setBatchMode(true); open('" + stack + "');\nrun('Explain with Head...', 'model=[" + model + "] head=["
			+ work.resolve("infodisent").resolve("head") + "] top=2 bias save_dir=[" + work.resolve("explain") + "]');\n", ""));
		runs.put("default-bias", new Macro("setBatchMode(true); open('" + stack + "');\nrun('Explain with Head...', 'model=[" + model + "] head=["
			+ work.resolve("infodisent").resolve("head") + "] top=2 save_dir=[" + work.resolve("default-bias") + "]');\n", ""));
		runs.put("no-bias", new Macro("setBatchMode(true); open('" + stack + "');\nrun('Explain with Head...', 'model=[" + model + "] head=["
			+ work.resolve("infodisent").resolve("head") + "] top=2 bias=false save_dir=[" + work.resolve("no-bias") + "]');\n", ""));
		runs.put("zero", new Macro("run('Train Interpretable Head...', 'model=[" + model + "] folder=[" + folder + "] head=bi_ice"
			+ " iterations=0 save_dir=[" + work.resolve("zero") + "]');\n", ""));
		logs = MacroRunner.run(runs, work);
	}

	@Test
	void theSavedHeadBindsInTheRoundsAskedFor() throws Exception {
		assertFalse(logs.get("two").contains("Error"), logs.get("two"));
		assertEquals(2, ((BiIce) InterpretableHead.load(work.resolve("two").resolve("head"))).iterations());
		assertEquals(BiIce.DEFAULT_ITERATIONS, ((BiIce) InterpretableHead.load(work.resolve("default").resolve("head"))).iterations());
		assertTrue(logs.get("zero").contains("iterations"), logs.get("zero"));
		assertFalse(work.resolve("zero").toFile().exists(), "nothing written");
	}

	@Test
	void theBiasRowCompletesTheTargetLogit() throws Exception {
		assertFalse(logs.get("explain").contains("Error"), logs.get("explain"));
		InfoDisent head = (InfoDisent) InterpretableHead.load(work.resolve("infodisent").resolve("head"));
		List<List<String>> csv = Csv.parse(Files.readString(work.resolve("explain").resolve("ihc-heldout-patches-infodisent-results.csv")));
		Path model = TestFiles.testImages().resolve("models").resolve("ihc-stain");
		try (TensorFlowClassifier backbone = TensorFlowClassifier.load(model)) {
			FloatTensor x = Models.input(IJ.openImage(TestFiles.testImages().resolve("images/ihc-heldout-patches.tif").toString()), backbone)
				.tensor();
			FloatTensor features = backbone.activations(x, head.layer());
			double[][] logits = head.logits(features);
			int biasRows = 0;
			for (List<String> row : csv.subList(1, csv.size())) {
				if (!row.get(6).equals("bias")) continue;
				biasRows++;
				int i = Integer.parseInt(row.get(0)) - 1, target = HeadKeysMacrosTest.classIndex(row.get(5));
				assertEquals("bias", row.get(7));
				double bias = Double.parseDouble(row.get(8));
				assertEquals(head.bias(target), bias, 1e-5 * Math.max(1, Math.abs(bias)), "InfoDisent's class bias, slice " + (i + 1));
				double sum = bias;
				for (double c : head.contributions(features, i, target)) sum += c;
				assertEquals(logits[i][target], sum, 1e-4 * Math.max(1, Math.abs(sum)), "contributions + bias = the target logit");
				assertEquals(logits[i][target], Double.parseDouble(row.get(10)), 1e-4 * Math.max(1, Math.abs(sum)));
			}
			assertEquals(12, biasRows, "one bias row per slice");
		}
	}

	@Test
	void theBiasRowIsOnByDefaultAndBiasFalseLeavesItOut() throws Exception {
		String name = "ihc-heldout-patches-infodisent-results.csv";
		assertFalse(logs.get("default-bias").contains("Error"), logs.get("default-bias"));
		assertFalse(logs.get("no-bias").contains("Error"), logs.get("no-bias"));
		List<List<String>> asked = Csv.parse(Files.readString(work.resolve("explain").resolve(name)));
		List<List<String>> byDefault = Csv.parse(Files.readString(work.resolve("default-bias").resolve(name)));
		List<List<String>> without = Csv.parse(Files.readString(work.resolve("no-bias").resolve(name)));
		assertEquals(asked, byDefault, "left out, bias is on: the same table as with bias");
		List<List<String>> expected = new java.util.ArrayList<>();
		for (List<String> row : asked) if (!row.get(6).equals("bias")) expected.add(row);
		assertEquals(asked.size() - 12, expected.size());
		assertEquals(expected, without, "bias=false: the same rows without the 12 bias rows");
	}

	static int classIndex(String name) {
		return List.of("background", "hematoxylin", "DAB-positive").indexOf(name);
	}
}
