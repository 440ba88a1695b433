package org.conceptscope.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark's smoke configuration end to end: every method on every model with its passes
 * counted and its floor measured, the table written, the long-stack part bounded in memory.
 */
class BenchSmokeTest {

	static final List<String> METHODS = List.of("saliency", "gradient_x_input", "integrated_gradients", "smoothgrad", "vargrad",
		"gradcam", "gradcam_plus_plus", "occlusion", "rise", "sobol", "hsic", "lime", "kernel_shap", "guided_backprop", "deconvnet",
		"saliency_forgrad", "tcav", "nearest_examples");

	/**
	 * Passes per image in the smoke configuration (forward only, forward+backward), including the
	 * one forward pass that finds the predicted class: e.g. occlusion = 1 + 16 patches + 1 clean
	 * image, Sobol = 1 + 4 designs x (4 cells + 2), Grad-CAM = 1 + activations, and a layer gradient;
	 * Integrated Gradients = 1 (which is also the completeness check's f(x)), and once per run f(x0) of
	 * the baseline the images share ({@link #ONCE_PER_RUN}).
	 */
	static final Map<String, long[]> PASSES_PER_IMAGE = Map.ofEntries(Map.entry("saliency", new long[] { 1, 1 }),
		Map.entry("gradient_x_input", new long[] { 1, 1 }), Map.entry("integrated_gradients", new long[] { 1, 4 }),
		Map.entry("smoothgrad", new long[] { 1, 4 }), Map.entry("vargrad", new long[] { 1, 4 }), Map.entry("gradcam", new long[] { 2, 1 }),
		Map.entry("gradcam_plus_plus", new long[] { 2, 1 }), Map.entry("occlusion", new long[] { 18, 0 }),
		Map.entry("rise", new long[] { 17, 0 }), Map.entry("sobol", new long[] { 25, 0 }), Map.entry("hsic", new long[] { 9, 0 }),
		Map.entry("lime", new long[] { 9, 0 }), Map.entry("kernel_shap", new long[] { 9, 0 }), Map.entry("guided_backprop", new long[] { 1, 1 }),
		Map.entry("deconvnet", new long[] { 1, 1 }), Map.entry("saliency_forgrad", new long[] { 1, 1 }));

	/** Forward passes a method makes once per run, whatever the images: Integrated Gradients' baseline score. */
	static final Map<String, Long> ONCE_PER_RUN = Map.of("integrated_gradients", 1L);

	@TempDir
	Path out;

	/**
	 * TCAV: activations of the concept's examples (as many as the images, at least 2) and of twice as many random
	 * counterexamples, and the layer gradient of the images; nearest examples: activations of the
	 * images and of four times as many training examples. TCAV needs gradients (not on ONNX Runtime).
	 */
	static void assertConceptRow(Bench.Row r) {
		String what = r.model() + " " + r.method();
		if (r.method().equals("tcav") && r.model().equals("ihc-resnet-onnx")) {
			assertTrue(!r.measured() && r.note().contains("needs gradients"), what + " is refused on ONNX Runtime: " + r.note());
			return;
		}
		if (!r.measured()) {
			// a model whose runtime gives no layer activations says so in one sentence
			assertTrue(r.model().startsWith("ihc-resnet-") && r.note().contains("layer"), what + ": " + r.note());
			return;
		}
		boolean tcav = r.method().equals("tcav");
		assertEquals(tcav ? 3L * Math.max(2, r.images()) : 5L * r.images(), r.forwardPasses(), what + " forward passes");
		assertEquals(tcav ? r.images() : 0, r.gradientPasses(), what + " forward+backward passes");
		assertTrue(r.wallMs() > 0 && r.floorMs() > 0 && Double.isFinite(r.ratio()), what);
		assertTrue(r.ownMs() >= 0 && Double.isFinite(r.ownRatio()), what + ": its own work is timed on a replay of its calls, " + r.ownMs());
	}

	static Path models() {
		for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
			if (Files.isDirectory(dir.resolve("test-images/models"))) return dir.resolve("test-images/models");
		}
		throw new IllegalStateException("No test-images/models above " + Path.of("").toAbsolutePath());
	}

	@Test
	void smokeRunMeasuresEveryMethodAgainstItsFloor() throws IOException {
		ByteArrayOutputStream log = new ByteArrayOutputStream();
		Bench.Report report = Bench.run(new Bench.Options(Bench.Size.SMOKE, models(), out, out.resolve("models"), true),
			new PrintStream(log, true, StandardCharsets.UTF_8));
		List<Bench.Row> rows = report.rows();
		Map<String, List<Bench.Row>> byModel = rows.stream().collect(Collectors.groupingBy(Bench.Row::model));
		assertEquals(List.of("ct-tissue", "ihc-resnet-onnx", "ihc-resnet-torchscript", "ihc-stain", "known-answer", LargeModel.NAME),
			byModel.keySet().stream().sorted().toList());
		for (Map.Entry<String, List<Bench.Row>> e : byModel.entrySet()) {
			assertEquals(METHODS, e.getValue().stream().map(Bench.Row::method).toList(), e.getKey());
			for (Bench.Row r : e.getValue()) {
				String what = r.model() + " " + r.method();
				if (r.method().equals("tcav") || r.method().equals("nearest_examples")) {
					assertConceptRow(r);
					continue;
				}
				if (r.model().equals("ihc-resnet-onnx") && PASSES_PER_IMAGE.get(r.method())[1] > 0) {
					assertTrue(!r.measured() && r.note().contains("needs gradients"), what + " is refused on ONNX Runtime: " + r.note());
					continue;
				}
				if (r.model().equals("ihc-resnet-torchscript") && (r.method().equals("guided_backprop") || r.method().equals("deconvnet"))) {
					assertTrue(!r.measured() && r.note().contains("TensorFlow models only"), what + " is refused on libtorch: " + r.note());
					continue;
				}
				assertTrue(r.measured(), what + ": " + r.note());
				long[] per = PASSES_PER_IMAGE.get(r.method());
				assertEquals(per[0] * r.images() + ONCE_PER_RUN.getOrDefault(r.method(), 0L), r.forwardPasses(), what + " forward passes");
				assertEquals(per[1] * r.images(), r.gradientPasses(), what + " forward+backward passes");
				assertTrue(r.calls() >= 1 && r.wallMs() > 0 && r.floorMs() > 0, what);
				assertTrue(Double.isFinite(r.ratio()) && r.ratio() > 0, what + " ratio " + r.ratio());
				assertTrue(r.cpuMs() >= 0 && r.floorCpuMs() >= 0, what + " CPU time");
				assertTrue(r.ownMs() >= 0 && Double.isFinite(r.ownRatio()), what + ": its own work is timed on a replay of its calls, " + r.ownMs());
				assertEquals(1, r.rounds(), what + ": the smoke configuration times each side once");
			}
		}
		String md = Files.readString(out.resolve("bench-results.md"), StandardCharsets.UTF_8);
		assertTrue(md.contains("| model | method | images | forward passes | forward+backward passes | runtime calls | wall ms | floor ms | ratio | CPU-time ratio |"));
		assertEquals(rows.size(), md.lines().filter(l -> l.startsWith("| ") && METHODS.stream().anyMatch(m -> l.contains("| " + m + " |"))).count());
		assertTrue(log.toString(StandardCharsets.UTF_8).contains("cores available to the JVM"));

		List<StackBench.Result> stack = report.stack().results();
		assertEquals(2, stack.size());
		assertEquals(50, stack.get(0).slices());
		assertEquals(400, stack.get(1).slices());
		for (StackBench.Result s : stack) assertTrue(s.slicesPerSecond() > 0);
		// 350 more slices held in memory would be at least 350 x 16 KB (input and map) = 5.6 MB
		assertTrue(stack.get(1).liveGrowthKb() - stack.get(0).liveGrowthKb() < 1024,
			"live heap grows with the stack length: " + stack.get(0).liveGrowthKb() + " KB vs " + stack.get(1).liveGrowthKb() + " KB");
		assertTrue(report.stack().smallHeapFinished(), report.stack().smallHeapSummary());
	}
}
