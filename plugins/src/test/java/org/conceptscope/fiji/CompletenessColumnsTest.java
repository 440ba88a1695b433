package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * Integrated Gradients' completeness (Sundararajan et al. 2017: the attributions sum to f(x) - f(x0)) where users look:
 * a headless macro runs the Attribution command with 1, 4 and 64 steps on the bundled IHC SavedModel and reads its
 * table from Results, the batch runner explains the same stack in parts. The table, its CSV and the batch CSV carry
 * {@link Completeness#COLUMNS}; f(x) - f(0) is recomputed here from the model's logits, the map's sum from the saved
 * map stack, and the gap must shrink as the steps grow (the midpoint rule converges to the integral).
 */
class CompletenessColumnsTest {

	@TempDir
	Path dir;

	private final Path model = TestFiles.testImages().resolve("models/ihc-stain"), stack = TestFiles.testImages().resolve(Demo.IMAGE);

	private static final int[] STEPS = { 1, 4, 64 };

	@Test
	void theAttributionTableAndTheBatchCsvShowTheGapThatShrinksWithTheSteps() throws Exception {
		Path out = Files.createDirectories(dir.resolve("out")), report = out.resolve("read.tsv");
		StringBuilder macro = new StringBuilder(MacroTablesTest.header(report) + "setBatchMode(true);\nopen('" + stack + "');\nstack = getImageID();\n");
		for (int s : STEPS) {
			macro.append("selectImage(stack);\nrun('Attribution...', 'model=[" + model + "] method=integrated_gradients steps=" + s
				+ " target=predicted save_dir=[" + out.resolve("s" + s) + "]');\nfromResults('ig" + s + "');\n");
		}
		macro.append("File.append('done', report);\n").append(MacroTablesTest.FROM_RESULTS);
		Map<String, Macro> runs = new LinkedHashMap<>();
		runs.put("completeness", new Macro(macro.toString(), ""));
		String log = MacroRunner.run(runs, dir).get("completeness");
		List<String> lines = Files.exists(report) ? Files.readAllLines(report) : List.of();
		assertTrue(lines.contains("done"), "the macro ran to its end: " + lines + "\n" + log);

		String base = "ihc-heldout-patches-integrated_gradients";
		Map<Integer, List<List<String>>> tables = new LinkedHashMap<>();
		for (int s : STEPS) {
			Path csv = out.resolve("s" + s).resolve(base + "-results.csv");
			// the Results table the macro read holds the CSV's columns, completeness's included, cell by cell
			MacroTablesTest.check(lines, "ig" + s, csv, 12);
			List<List<String>> rows = Csv.parse(Files.readString(csv, StandardCharsets.UTF_8));
			List<String> header = rows.get(0);
			assertEquals(Completeness.COLUMNS, header.subList(header.size() - 4, header.size()), "the last columns: " + header);
			tables.put(s, rows);
		}

		// f(x) - f(0) of each slice's predicted class, from the model's own logits; the map's sum from the saved map channel
		ImagePlus imp = IJ.openImage(stack.toString());
		try (TensorFlowClassifier classifier = TensorFlowClassifier.load(model)) {
			FloatTensor x = Models.checkedInput(imp, classifier).tensor();
			long[] one = x.shape();
			one[0] = 1;
			FloatTensor fx = classifier.logits(x), f0 = classifier.logits(FloatTensor.zeros(one));
			double[] previous = null;
			for (int s : STEPS) {
				List<List<String>> rows = tables.get(s);
				List<String> header = rows.get(0);
				int target = header.indexOf("target"), sum = header.indexOf("attribution_sum"), change = header.indexOf("score_change"),
					gap = header.indexOf("completeness_gap"), relative = header.indexOf("relative_gap");
				ImagePlus maps = IJ.openImage(out.resolve("s" + s).resolve(base + ".tif").toString());
				double[] gaps = new double[12];
				for (int z = 1; z <= 12; z++) {
					List<String> row = rows.get(z);
					int k = classifier.classNames().indexOf(row.get(target));
					double delta = fx.get(z - 1, k) - f0.get(0, k);
					double got = Double.parseDouble(row.get(change)), total = Double.parseDouble(row.get(sum));
					assertEquals(delta, got, 1e-4 * (1 + Math.abs(delta)), s + " steps, slice " + z + ": score_change is f(x) - f(0)");
					double mapSum = mapSum(maps, z);
					assertEquals(mapSum, total, 1e-4 * (1 + Math.abs(mapSum)), s + " steps, slice " + z + ": attribution_sum is the map's sum");
					assertEquals(total - got, Double.parseDouble(row.get(gap)), 1e-6 * (1 + Math.abs(delta)), s + " steps, slice " + z);
					assertEquals(Math.abs(total - got) / Math.abs(got), Double.parseDouble(row.get(relative)), 1e-6, s + " steps, slice " + z);
					gaps[z - 1] = Math.abs(total - got) / Math.abs(got);
				}
				if (previous != null) {
					// the axiom as steps grow: every slice's relative gap shrinks (it could fail: a wrong path, sum or baseline)
					for (int z = 0; z < 12; z++) {
						assertTrue(gaps[z] < previous[z], s + " steps, slice " + (z + 1) + ": relative gap " + gaps[z] + " not below " + previous[z]);
					}
				}
				previous = gaps;
			}
			for (double g : previous) assertTrue(g < 0.02, "64 steps: within 2 % of f(x) - f(0), got " + g);
		}

		// the batch runner, in parts of 5, writes the same columns and values as the Attribution command at 64 steps
		Path batchOut = dir.resolve("batch");
		BatchJob.run(Batch.parse(new String[] { "input=" + stack, "model=" + model, "save_dir=" + batchOut, "method=integrated_gradients",
			"steps=64", "batch=5" }), Progress.NONE, null);
		List<List<String>> batch = Csv.parse(Files.readString(batchOut.resolve(base + "-results.csv"), StandardCharsets.UTF_8));
		List<List<String>> command = tables.get(64);
		assertEquals(command.get(0), batch.get(0), "the batch CSV has the Attribution table's columns");
		assertEquals(1 + 12, batch.size());
		List<String> header = batch.get(0);
		for (int z = 1; z <= 12; z++) {
			for (String column : Completeness.COLUMNS) {
				int c = header.indexOf(column);
				double want = Double.parseDouble(command.get(z).get(c)), got = Double.parseDouble(batch.get(z).get(c));
				// float rounding only: TensorFlow's kernels block a batch of 5 and of 12 differently
				double scale = column.equals("relative_gap") ? 1 : 1 + Math.abs(Double.parseDouble(command.get(z).get(header.indexOf("score_change"))));
				assertEquals(want, got, 1e-3 * scale, "slice " + z + ", " + column);
			}
		}
	}

	/** The heat-map channel's sum at slice z (the last channel of the saved hyperstack). */
	private static double mapSum(ImagePlus maps, int z) {
		float[] p = (float[]) maps.getStack().getProcessor(maps.getStackIndex(maps.getNChannels(), z, 1)).convertToFloat().getPixels();
		double s = 0;
		for (float v : p) s += v;
		return s;
	}
}
