package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.conceptscope.attribution.Completeness;
import org.conceptscope.fiji.MacroRunner.Macro;
import org.conceptscope.fiji.batch.Batch;
import org.conceptscope.fiji.batch.BatchJob;
import org.conceptscope.fiji.run.Demo;
import org.conceptscope.fiji.run.Models;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kernel SHAP's {@code efficiency} key as users give it: a headless macro runs the Attribution command with
 * {@code efficiency=exact} and with no key (Captum's 10^6 endpoint weights) on the bundled IHC SavedModel, 25 grid
 * cells and 200 samples, and reads the Completeness columns back from the Results table. Efficiency (Lundberg and Lee
 * 2017, property 1): the segment values add up to f(image) - f(every cell replaced by 0), recomputed here from the
 * model's logits. With the key the gap is rounding (below 10^-10 of the change); without it, the finite weight's gap
 * is orders of magnitude larger. The replay line records the key, an unknown value is one sentence, and the batch
 * runner given the key writes the same columns.
 */
class KernelShapEfficiencyMacroTest {

	@TempDir
	Path dir;

	private final Path model = TestFiles.testImages().resolve("models/ihc-stain"), stack = TestFiles.testImages().resolve(Demo.IMAGE);

	private static final int SLICES = 12;
	private static final String OPTIONS = " method=kernel_shap grid=5 samples=200 seed=7 target=predicted";

	@Test
	void exactEfficiencyClosesTheGapInTheResultsTableTheCsvAndTheBatchCsv() throws Exception {
		Path out = Files.createDirectories(dir.resolve("out")), report = out.resolve("read.tsv");
		String open = "setBatchMode(true);\nopen('" + stack + "');\n";
		Map<String, Macro> runs = new LinkedHashMap<>();
		runs.put("both", new Macro(MacroTablesTest.header(report) + open + "stack = getImageID();\n"
			+ "run('Attribution...', 'model=[" + model + "]" + OPTIONS + " efficiency=exact save_dir=[" + out.resolve("exact") + "]');\n"
			+ "fromResults('exact');\nselectImage(stack);\n"
			+ "run('Attribution...', 'model=[" + model + "]" + OPTIONS + " save_dir=[" + out.resolve("captum") + "]');\n"
			+ "fromResults('captum');\nFile.append('done', report);\n" + MacroTablesTest.FROM_RESULTS, ""));
		runs.put("unknown", new Macro(open + "run('Attribution...', 'model=[" + model + "]" + OPTIONS + " efficiency=infinite save_dir=["
			+ out.resolve("unknown") + "]');\n", ""));
		Map<String, String> logs = MacroRunner.run(runs, dir);
		List<String> lines = Files.exists(report) ? Files.readAllLines(report) : List.of();
		assertTrue(lines.contains("done"), "the macro ran to its end: " + lines + "\n" + logs.get("both"));

		String base = "ihc-heldout-patches-kernel_shap";
		Map<String, List<List<String>>> tables = new LinkedHashMap<>();
		for (String run : List.of("exact", "captum")) {
			Path csv = out.resolve(run).resolve(base + "-results.csv");
			// the Results table the macro read holds the CSV's columns, Completeness's included, cell by cell (10 digits)
			MacroTablesTest.check(lines, run, csv, SLICES);
			List<List<String>> rows = Csv.parse(Files.readString(csv, StandardCharsets.UTF_8));
			List<String> header = rows.get(0);
			assertEquals(Completeness.COLUMNS, header.subList(header.size() - 4, header.size()), "the last columns: " + header);
			tables.put(run, rows);
		}

		// f(x) - f(every cell replaced by 0) of each slice's predicted class, from the model's own logits
		ImagePlus imp = IJ.openImage(stack.toString());
		double[] exactGaps = new double[SLICES], captumGaps = new double[SLICES];
		try (TensorFlowClassifier classifier = TensorFlowClassifier.load(model)) {
			FloatTensor x = Models.checkedInput(imp, classifier).tensor();
			long[] one = x.shape();
			one[0] = 1;
			FloatTensor fx = classifier.logits(x), f0 = classifier.logits(FloatTensor.zeros(one));
			for (String run : tables.keySet()) {
				List<List<String>> rows = tables.get(run);
				List<String> header = rows.get(0);
				int target = header.indexOf("target"), sum = header.indexOf("attribution_sum"), change = header.indexOf("score_change"),
					gap = header.indexOf("completeness_gap"), relative = header.indexOf("relative_gap");
				for (int z = 1; z <= SLICES; z++) {
					List<String> row = rows.get(z);
					int k = classifier.classNames().indexOf(row.get(target));
					double delta = fx.get(z - 1, k) - f0.get(0, k), got = Double.parseDouble(row.get(change));
					assertEquals(delta, got, 1e-4 * (1 + Math.abs(delta)), run + ", slice " + z + ": score_change is f(x) - f(replaced)");
					double g = Double.parseDouble(row.get(gap));
					// the CSV writes a value that is a float (a difference of two float scores) as the float's shortest decimal
					assertEquals(Double.parseDouble(row.get(sum)) - got, g, 1e-6 * (1 + Math.abs(got)), run + ", slice " + z);
					assertEquals(Math.abs(g) / Math.abs(got), Double.parseDouble(row.get(relative)), 1e-9, run + ", slice " + z);
					(run.equals("exact") ? exactGaps : captumGaps)[z - 1] = Math.abs(g) / Math.abs(got);
				}
			}
		}
		double smallestCaptum = Double.MAX_VALUE;
		for (int z = 0; z < SLICES; z++) {
			// rounding: the double sum of 25 values against a difference of two float scores
			assertTrue(exactGaps[z] < 1e-10, "efficiency=exact, slice " + (z + 1) + ": relative gap " + exactGaps[z]);
			assertTrue(captumGaps[z] > 100 * exactGaps[z], "slice " + (z + 1) + ": Captum's gap " + captumGaps[z] + " vs exact " + exactGaps[z]);
			smallestCaptum = Math.min(smallestCaptum, captumGaps[z]);
		}
		// measured: exact 0 to 3.6e-16 of the change, Captum's 3e-7 to 1.1e-5 of it
		assertTrue(smallestCaptum > 1e-8, "the default's finite weight leaves a gap on every slice: " + smallestCaptum);

		// the replay line records the key: exact where given, the default (captum) where not
		String info = (String) IJ.openImage(out.resolve("exact").resolve(base + ".tif").toString()).getProperty("Info");
		assertTrue(info.contains(" efficiency=exact "), info);
		String byDefault = (String) IJ.openImage(out.resolve("captum").resolve(base + ".tif").toString()).getProperty("Info");
		assertTrue(byDefault.contains(" efficiency=captum "), byDefault);
		assertTrue(logs.get("unknown").contains("Unknown efficiency 'infinite': use efficiency=captum (Kernel SHAP's endpoint samples weighted 10^6,"
			+ " as Captum) or efficiency=exact (the values add up to the score change exactly)."), logs.get("unknown"));
		assertFalse(Files.exists(out.resolve("unknown")) && TestFiles.names(out.resolve("unknown")).size() > 0, "nothing written");

		// the batch runner, given the key, in parts of 5: the Attribution command's columns and values
		Path batchOut = dir.resolve("batch");
		BatchJob.run(Batch.parse(new String[] { "input=" + stack, "model=" + model, "save_dir=" + batchOut, "method=kernel_shap", "grid=5",
			"samples=200", "seed=7", "efficiency=exact", "batch=5" }), Progress.NONE, null);
		List<List<String>> batch = Csv.parse(Files.readString(batchOut.resolve(base + "-results.csv"), StandardCharsets.UTF_8));
		List<List<String>> command = tables.get("exact");
		assertEquals(command.get(0), batch.get(0), "the batch CSV has the Attribution table's columns");
		assertEquals(1 + SLICES, batch.size());
		List<String> header = batch.get(0);
		int change = header.indexOf("score_change");
		for (int z = 1; z <= SLICES; z++) {
			double scale = 1 + Math.abs(Double.parseDouble(command.get(z).get(change)));
			for (String column : List.of("attribution_sum", "score_change")) {
				int c = header.indexOf(column);
				// float rounding only: TensorFlow's kernels block a batch of 5 and of 12 differently
				assertEquals(Double.parseDouble(command.get(z).get(c)), Double.parseDouble(batch.get(z).get(c)), 1e-3 * scale, "slice " + z + ", " + column);
			}
			double relative = Double.parseDouble(batch.get(z).get(header.indexOf("relative_gap")));
			assertTrue(relative < 1e-10, "batch, slice " + z + ": relative gap " + relative);
		}
	}
}
