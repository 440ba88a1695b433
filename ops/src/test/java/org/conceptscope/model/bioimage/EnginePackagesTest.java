package org.conceptscope.model.bioimage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.attribution.GradCam;
import org.conceptscope.attribution.GradientTimesInput;
import org.conceptscope.attribution.HsicAttribution;
import org.conceptscope.attribution.IntegratedGradients;
import org.conceptscope.attribution.MaskedImage;
import org.conceptscope.attribution.NoisyGradients;
import org.conceptscope.attribution.Occlusion;
import org.conceptscope.attribution.Rise;
import org.conceptscope.attribution.Saliency;
import org.conceptscope.attribution.SobolAttribution;
import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.concepts.Craft;
import org.conceptscope.concepts.ConceptImportance;
import org.conceptscope.concepts.ConceptLocalization;
import org.conceptscope.concepts.CraftOptions;
import org.conceptscope.metrics.Deletion;
import org.conceptscope.metrics.Insertion;
import org.conceptscope.model.BundledModels;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.Classifiers;
import org.conceptscope.model.LoadOptions;
import org.conceptscope.model.onnx.OnnxClassifier;
import org.conceptscope.model.torch.TorchScriptClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.conceptscope.visualization.Maco;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The bioimage.io packages of the ResNet-style IHC classifier (test-images/models/ihc-resnet-torchscript:
 * format 0.5, TorchScript weights; ihc-resnet-onnx: format 0.4, ONNX weights; both written by
 * ihc-resnet-torchscript/make_fixtures.py), opened as users open them (Classifiers.open on the folder).
 * <p>
 * Saliency through the TorchScript package is compared with the map PyTorch's own autograd computed
 * when the fixture was made (saliency_reference.npy, from Python on libtorch 1.13: no ConceptScope
 * code, no DJL, no Java preprocessing is shared with the path under test, which starts from the raw
 * pixels and applies the rdf's preprocessing itself). The ONNX package runs the forward-only methods
 * and gives the maps the TorchScript package gives for the same seeds (the same function on
 * another runtime), and refuses gradient methods with a sentence.
 */
class EnginePackagesTest {

	static BioImageModel torch, onnx;
	static FloatTensor raw, normalized;
	static int[] targets;

	static Path dir(String name) {
		return BundledModels.dir(name);
	}

	@BeforeAll
	static void open() {
		torch = assertInstanceOf(BioImageModel.class, Classifiers.open(dir("ihc-resnet-torchscript"), LoadOptions.defaults()));
		onnx = assertInstanceOf(BioImageModel.class, Classifiers.open(dir("ihc-resnet-onnx"), LoadOptions.defaults()));
		raw = Npy.read(dir("ihc-resnet-torchscript").resolve("saliency_raw.npy"));
		normalized = torch.normalize(raw);
		FloatTensor t = Npy.read(dir("ihc-resnet-torchscript").resolve("saliency_targets.npy"));
		targets = new int[t.size()];
		for (int i = 0; i < targets.length; i++) targets[i] = Math.round(t.data()[i]);
	}

	@AfterAll
	static void close() {
		torch.close();
		onnx.close();
	}

	@Test
	void packagesOpenOnTheirEnginesAndPassTheirOwnTests() {
		assertEquals("torchscript", torch.weightsFormat());
		assertInstanceOf(TorchScriptClassifier.class, torch.classifier());
		assertEquals("onnx", onnx.weightsFormat());
		assertInstanceOf(OnnxClassifier.class, onnx.classifier());
		for (BioImageModel m : List.of(torch, onnx)) {
			assertTrue(m.weightsVerified(), m + " sha256");
			assertTrue(m.testReport().ran() && m.testReport().passed(), m.testReport().message());
			assertEquals(List.of("background", "hematoxylin", "DAB-positive"), m.classNames());
			assertEquals("bcyx", m.inputAxes());
		}
		// the rdf's preprocessing (x / 255, then per channel (x - mean) / std) is the model's normalisation
		assertTrue(torch.normalization().describe().startsWith("scale_linear(0.00392156862745098,0.0); scale_linear("), torch.normalization().describe());
		assertEquals(torch.normalization().describe(), onnx.normalization().describe());
		// the model's own top classes are the ones the reference explains
		int[] top = torch.logits(normalized).argmaxRows();
		for (int i = 0; i < top.length; i++) assertEquals(targets[i], top[i]);
	}

	@Test
	void saliencyIsWhatPyTorchAutogradComputes() {
		FloatTensor reference = Npy.read(dir("ihc-resnet-torchscript").resolve("saliency_reference.npy"));
		Attribution a = new Saliency().explain(torch, normalized, targets, Progress.NONE);
		assertEquals(reference.size(), a.maps().size());
		double all = pearson(a.maps().data(), reference.data(), 0, reference.size());
		int per = 32 * 32;
		for (int i = 0; i < targets.length; i++) {
			double r = pearson(a.maps().data(), reference.data(), i * per, (i + 1) * per);
			assertTrue(r >= 0.999, "patch " + i + ": Pearson " + r);
		}
		assertTrue(all >= 0.999, "Pearson " + all);
		System.out.printf("Saliency through the TorchScript package vs PyTorch autograd: Pearson %.6f over %d maps%n", all, targets.length);
	}

	@Test
	void everyGradientMethodRunsThroughAutograd() {
		FloatTensor x = normalized.range(0, 4);
		int[] t = java.util.Arrays.copyOf(targets, 4);
		// Integrated Gradients' completeness: the attributions add up to f(x) - f(baseline)
		Attribution ig = new IntegratedGradients(256, 0f).explain(torch, x, t, Progress.NONE);
		FloatTensor fx = torch.logits(x), f0 = torch.logits(FloatTensor.zeros(4, 32, 32, 3));
		for (int i = 0; i < 4; i++) {
			double sum = 0; // the map sums the channels
			for (int k = i * 32 * 32; k < (i + 1) * 32 * 32; k++) sum += ig.maps().data()[k];
			double expected = fx.get(i, t[i]) - f0.get(i, t[i]);
			assertEquals(expected, sum, 0.02 * Math.abs(expected) + 1e-3, "IG completeness, patch " + i);
		}
		for (AttributionMethod m : List.<AttributionMethod>of(new GradientTimesInput(), new NoisyGradients(NoisyGradients.Statistic.SMOOTH_GRAD, 8, 0.1, 1),
			new GradCam("layer3", false), new GradCam("layer2", true))) {
			Attribution a = m.explain(torch, x, t, Progress.NONE);
			assertEquals(4 * 32 * 32, a.maps().size(), m.name());
			assertTrue(a.maps().firstNonFinite() < 0, m.name());
		}
	}

	@Test
	void onnxRunsTheForwardOnlyMethodsAsTorchScriptDoes() {
		FloatTensor x = normalized.range(0, 4);
		int[] t = java.util.Arrays.copyOf(targets, 4);
		List<AttributionMethod> methods = List.of(new Occlusion(4, 4, 0f), new Rise(300, 8, 0.5, 3),
			new SobolAttribution(8, 16, MaskedImage.constant(0f), false, 3), new HsicAttribution(8, 128, MaskedImage.constant(0f), 3));
		List<String> report = new ArrayList<>();
		for (AttributionMethod m : methods) {
			Attribution a = m.explain(onnx, x, t, Progress.NONE), b = m.explain(torch, x, t, Progress.NONE);
			double r = pearson(a.maps().data(), b.maps().data(), 0, a.maps().size());
			report.add(m.name() + " " + r);
			assertTrue(r >= 0.999, m.name() + ": ONNX and TorchScript maps differ, Pearson " + r);
			double del = new Deletion(16, 0f).evaluate(onnx, x, a, Progress.NONE).mean();
			double ins = new Insertion(16, 0f).evaluate(onnx, x, a, Progress.NONE).mean();
			assertTrue(Double.isFinite(del) && Double.isFinite(ins), m.name());
		}
		System.out.println("ONNX vs TorchScript maps (Pearson): " + report);
	}

	/**
	 * torchvision's ResNet layout ends in avgpool, a 1 x 1 layer [N, 1, 1, 32]: Grad-CAM there is one
	 * value over the whole patch (the old default). The default is layer3, the last feature map.
	 */
	@Test
	void gradCamDefaultsToTheLastFeatureMapNotTheGlobalPool() {
		assertTrue(torch.layers().stream().anyMatch(l -> l.name().equals("avgpool") && l.isSpatial() && l.shape()[1] == 1 && l.shape()[2] == 1),
			torch.layers().toString());
		assertEquals("layer3", GradCam.defaultLayer(torch));
		assertEquals("layer3", GradCam.lastSpatialLayer(torch), "the default layer of CRAFT, TCAV, heads and examples");
		FloatTensor x = normalized.range(0, 2);
		int[] t = java.util.Arrays.copyOf(targets, 2);
		Attribution a = new GradCam(null, false).explain(torch, x, t, Progress.NONE);
		assertEquals("layer3", a.metadata().get("layer"));
		org.junit.jupiter.api.Assertions.assertArrayEquals(new GradCam("layer3", false).explain(torch, x, t, Progress.NONE).maps().data(), a.maps().data());
		float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
		for (float v : a.maps().data()) {
			min = Math.min(min, v);
			max = Math.max(max, v);
		}
		assertTrue(max > min, "the default Grad-CAM map varies over the patch");
		assertThrows(IllegalArgumentException.class, () -> new GradCam("avgpool", false).explain(torch, x, t, Progress.NONE));
	}

	@Test
	void onnxRefusesGradientMethodsWithOneSentence() {
		for (AttributionMethod m : List.<AttributionMethod>of(new Saliency(), new IntegratedGradients(8, 0f), new GradCam(null, false))) {
			Exception e = assertThrows(RuntimeException.class, () -> m.explain(onnx, normalized.range(0, 1), new int[] { 0 }, Progress.NONE));
			assertTrue(e.getMessage() != null && e.getMessage().contains("Occlusion, RISE, Sobol attribution, HSIC attribution, LIME or Kernel SHAP"), m.name() + ": " + e.getMessage());
		}
	}

	@Test
	void conceptsAreFoundLocalizedAndRankedOnBothEngines() {
		FloatTensor x = normalized;
		for (Classifier c : List.<Classifier>of(torch, onnx)) {
			String layer = c == torch ? "layer2" : "/layer2/layer2.0/relu_1/Relu";
			ConceptBank bank = Craft.fit(c, x, 1, new CraftOptions(layer, 16, 8, 3, 1, 1e-4, 100, 2), Progress.NONE);
			assertEquals(3, bank.size(), c.toString());
			assertEquals(3, ConceptImportance.sobol(c, bank, x, 8, 1, Progress.NONE).length);
			assertEquals(3, ConceptImportance.deletion(c, bank, x).length);
			assertEquals(x.dim(0), ConceptLocalization.localize(c, bank, x).maps().dim(0));
			if (c == torch) {
				assertEquals(3, ConceptImportance.gradientTimesInput(c, bank, x, Progress.NONE).length);
			} else {
				Exception e = assertThrows(UnsupportedOperationException.class, () -> ConceptImportance.gradientTimesInput(c, bank, x, Progress.NONE));
				assertTrue(e.getMessage().contains("Occlusion, RISE, Sobol attribution, HSIC attribution, LIME or Kernel SHAP"), e.getMessage());
			}
		}
	}

	@Test
	void macoRaisesTheClassScoreThroughAutograd() {
		Maco.Result r = new Maco(24, 0.5, 0.5, 1).visualize(torch, Maco.magnitude(normalized), 2, Progress.NONE);
		assertTrue(r.finalScore() > r.startScore(), "MACO's ascent on the DAB-positive logit: " + r.startScore() + " -> " + r.finalScore());
	}

	@Test
	void aZippedFormat04PackageWithTorchScriptWeightsOpensAndPassesItsTest(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
		Path dir = java.nio.file.Files.createDirectories(tmp.resolve("ts04"));
		for (String f : List.of("weights.pt", "test_input.npy", "test_output.npy")) {
			java.nio.file.Files.copy(dir("ihc-resnet-torchscript").resolve(f), dir.resolve(f));
		}
		// the 0.4 rdf of the ONNX package, pointed at the TorchScript weights
		String rdf = java.nio.file.Files.readString(dir("ihc-resnet-onnx").resolve("rdf.yaml"));
		rdf = rdf.substring(0, rdf.indexOf("weights:")) + "weights:\n  torchscript:\n    source: weights.pt\n    sha256: "
			+ BioImageModel.sha256(dir.resolve("weights.pt")) + "\n" + rdf.substring(rdf.indexOf("config:"));
		java.nio.file.Files.writeString(dir.resolve("rdf.yaml"), rdf);
		Path zip = tmp.resolve("ts04.zip");
		TestPackages.zipFolder(dir, zip, "", null);
		try (BioImageModel m = BioImageModel.open(zip, LoadOptions.defaults().withWorkDir(tmp.resolve("work")))) {
			assertEquals("0.4.10", m.description().formatVersion());
			assertEquals("torchscript", m.weightsFormat());
			assertTrue(m.weightsVerified() && m.testReport().passed(), m.testReport().message());
			FloatTensor a = m.logits(m.normalize(raw)), b = torch.logits(normalized);
			for (int i = 0; i < a.size(); i++) assertEquals(b.data()[i], a.data()[i], 1e-5);
		}
		try (java.util.stream.Stream<Path> left = java.nio.file.Files.list(tmp.resolve("work"))) {
			assertEquals(List.of(), left.toList(), "closing removes the unpacked package");
		}
	}

	static double pearson(float[] a, float[] b, int from, int to) {
		double ma = 0, mb = 0;
		int n = to - from;
		for (int i = from; i < to; i++) {
			ma += a[i];
			mb += b[i];
		}
		ma /= n;
		mb /= n;
		double sab = 0, saa = 0, sbb = 0;
		for (int i = from; i < to; i++) {
			sab += (a[i] - ma) * (b[i] - mb);
			saa += (a[i] - ma) * (a[i] - ma);
			sbb += (b[i] - mb) * (b[i] - mb);
		}
		return sab / Math.sqrt(saa * sbb);
	}
}
