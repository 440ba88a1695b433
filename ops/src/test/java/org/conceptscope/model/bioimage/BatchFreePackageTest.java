package org.conceptscope.model.bioimage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.attribution.Occlusion;
import org.conceptscope.model.BundledModels;
import org.conceptscope.model.LoadOptions;
import org.conceptscope.model.ModelLoadException;
import org.conceptscope.model.BatchFreeSavedModel;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.model.onnx.BatchFreeOnnx;
import org.conceptscope.model.torch.BatchFreeTorchScript;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bioimage.io 0.5 package whose input and output leave out the batch axis (optional in 0.5): ONNX weights that
 * take one image [3, 32, 32] and give [3] (the bundled IHC ResNet export with its batch axis taken off by
 * {@link BatchFreeOnnx}), with test tensors of one image without a batch axis (the bundled package's, made by
 * PyTorch). ConceptScope feeds it one image at a time, dropping the batch axis on the way in and adding it back to
 * the output. It was refused for its axes 'cyx'.
 */
class BatchFreePackageTest {

	@TempDir
	Path tmp;

	static final String RDF = """
		format_version: 0.5.3
		type: model
		name: IHC stain ResNet without a batch axis
		description: the bundled ONNX IHC classifier, one image per call (ConceptScope test package)
		authors: [{name: ConceptScope developers}]
		license: Apache-2.0
		inputs:
		  - id: raw
		    axes:
		      - {type: channel, channel_names: [red, green, blue]}
		      - {type: space, id: y, size: 32}
		      - {type: space, id: x, size: 32}
		    test_tensor: {source: test_input.npy}
		    data: {type: float32}
		    preprocessing:
		      - id: scale_linear
		        kwargs: {gain: 0.00392156862745098, offset: 0.0}
		      - id: fixed_zero_mean_unit_variance
		        kwargs: {axis: channel, mean: [0.6679319739341736, 0.5883245468139648, 0.5142331719398499], std: [0.14354194700717926, 0.18750721216201782, 0.23540137708187103]}
		outputs:
		  - id: logits
		    axes:
		      - {type: channel, channel_names: [background, hematoxylin, DAB-positive]}
		    test_tensor: {source: test_output.npy}
		weights:
		  %s:
		    source: %s
		""";

	/** The package folder: batch-free ONNX weights, and the bundled package's first test image and output without their batch axis. */
	Path build(String name) throws Exception {
		Path source = BundledModels.dir("ihc-resnet-onnx"), dir = Files.createDirectories(tmp.resolve(name));
		BatchFreeOnnx.withoutBatchAxis(source.resolve("weights.onnx"), new long[] { 3, 32, 32 }, new long[] { 3 }, dir.resolve("weights.onnx"));
		FloatTensor in = Npy.read(source.resolve("test_input.npy")).range(0, 1), out = Npy.read(source.resolve("test_output.npy")).range(0, 1);
		assertEquals(List.of(1L, 3L, 32L, 32L), java.util.Arrays.stream(in.shape()).boxed().toList());
		Npy.write(dir.resolve("test_input.npy"), new FloatTensor(new long[] { 3, 32, 32 }, in.data()));
		Npy.write(dir.resolve("test_output.npy"), new FloatTensor(new long[] { 3 }, out.data()));
		Files.writeString(dir.resolve("rdf.yaml"), RDF.formatted("onnx", "weights.onnx"));
		return dir;
	}

	@Test
	void anOnnxPackageWithoutABatchAxisRunsOneImageAtATime() throws Exception {
		Path dir = build("nobatch");
		LoadOptions options = LoadOptions.defaults().withWorkDir(tmp.resolve("work"));
		try (BioImageModel m = BioImageModel.open(dir, options);
			BioImageModel batched = BioImageModel.open(BundledModels.dir("ihc-resnet-onnx"), options)) {
			// the package's own test: PyTorch's output for its image, reproduced through the batch-free graph
			assertTrue(m.testReport().ran() && m.testReport().passed(), m.testReport().message());
			assertEquals("cyx", m.inputAxes());
			assertEquals(List.of("background", "hematoxylin", "DAB-positive"), m.classNames());
			assertEquals(batched.normalization().describe(), m.normalization().describe());
			// a batch of 5 gives, image by image, what the batched graph gives
			FloatTensor x = m.normalize(EnginePackagesTestAccess.raw().range(0, 5));
			FloatTensor a = m.logits(x), b = batched.logits(x);
			assertEquals(List.of(5L, 3L), java.util.Arrays.stream(a.shape()).boxed().toList());
			for (int i = 0; i < a.size(); i++) assertEquals(b.data()[i], a.data()[i], 1e-5 * (1 + Math.abs(b.data()[i])), "logit " + i);
			// a forward-only method runs through it; no layers are offered, in a sentence
			int[] top = b.argmaxRows();
			Attribution o = new Occlusion(8, 8, 0f).explain(m, x.range(0, 2), java.util.Arrays.copyOf(top, 2), Progress.NONE);
			Attribution p = new Occlusion(8, 8, 0f).explain(batched, x.range(0, 2), java.util.Arrays.copyOf(top, 2), Progress.NONE);
			for (int i = 0; i < o.maps().size(); i++) assertEquals(p.maps().data()[i], o.maps().data()[i], 1e-4, "occlusion " + i);
			assertTrue(m.layers().isEmpty());
		}
	}

	/**
	 * TorchScript weights without a batch axis (the bundled TorchScript IHC ResNet with its forward taking one image, written by
	 * {@link BatchFreeTorchScript}) run one image at a time too, gradients included: their logits are the batched package's, and
	 * Saliency through them is the map PyTorch's own autograd computed when the fixture was made (saliency_reference.npy). They
	 * were refused for their axes 'cyx'.
	 */
	@Test
	void aTorchScriptPackageWithoutABatchAxisRunsOneImageAtATimeWithGradients() throws Exception {
		Path dir = build("torch");
		Files.delete(dir.resolve("weights.onnx"));
		BatchFreeTorchScript.withoutBatchAxis(BundledModels.dir("ihc-resnet-torchscript").resolve("weights.pt"), dir.resolve("weights.pt"));
		Files.writeString(dir.resolve("rdf.yaml"), RDF.formatted("torchscript", "weights.pt"));
		LoadOptions options = LoadOptions.defaults().withWorkDir(tmp.resolve("work"));
		try (BioImageModel m = BioImageModel.open(dir, options);
			BioImageModel batched = BioImageModel.open(BundledModels.dir("ihc-resnet-torchscript"), options)) {
			assertEquals("torchscript", m.weightsFormat());
			assertTrue(m.testReport().ran() && m.testReport().passed(), m.testReport().message());
			assertEquals("cyx", m.inputAxes());
			FloatTensor raw = EnginePackagesTestAccess.raw();
			FloatTensor x = m.normalize(raw);
			FloatTensor a = m.logits(x.range(0, 5)), b = batched.logits(x.range(0, 5));
			assertEquals(List.of(5L, 3L), java.util.Arrays.stream(a.shape()).boxed().toList());
			for (int i = 0; i < a.size(); i++) assertEquals(b.data()[i], a.data()[i], 1e-4 * (1 + Math.abs(b.data()[i])), "logit " + i);
			// Saliency: libtorch's autograd through the one-image forward, against PyTorch's own map for the batched model
			FloatTensor reference = Npy.read(BundledModels.dir("ihc-resnet-torchscript").resolve("saliency_reference.npy"));
			FloatTensor t = Npy.read(BundledModels.dir("ihc-resnet-torchscript").resolve("saliency_targets.npy"));
			int[] targets = new int[t.size()];
			for (int i = 0; i < targets.length; i++) targets[i] = Math.round(t.data()[i]);
			Attribution s = new org.conceptscope.attribution.Saliency().explain(m, x.range(0, targets.length), targets, Progress.NONE);
			assertEquals(reference.size(), s.maps().size());
			FloatTensor own = new org.conceptscope.attribution.Saliency().explain(batched, x.range(0, targets.length), targets, Progress.NONE).maps();
			double largest = 0, dot = 0, ss = 0, rr = 0;
			for (float v : reference.data()) largest = Math.max(largest, Math.abs(v));
			for (int i = 0; i < reference.size(); i++) {
				assertEquals(own.data()[i], s.maps().data()[i], 1e-4 * largest, "saliency " + i + " against the batched package's");
				dot += s.maps().data()[i] * (double) reference.data()[i];
				ss += s.maps().data()[i] * (double) s.maps().data()[i];
				rr += reference.data()[i] * (double) reference.data()[i];
			}
			// (both maps are non-negative: the cosine is near 1 only where they agree)
			assertTrue(dot / Math.sqrt(ss * rr) >= 0.999, "cosine with PyTorch's map " + dot / Math.sqrt(ss * rr));
			// its submodules see [1, C, H, W] (the forward puts the batch axis in): their outputs are no layer of one image
			assertTrue(m.layers().isEmpty(), m.layers().toString());
		}
	}

	static final String TF_RDF = """
		format_version: 0.5.3
		type: model
		name: IHC stain classifier without a batch axis
		description: the bundled IHC SavedModel taking one image [32, 32, 3] (ConceptScope test package)
		authors: [{name: ConceptScope developers}]
		license: Apache-2.0
		inputs:
		  - id: input
		    axes:
		      - {type: space, id: y, size: 32}
		      - {type: space, id: x, size: 32}
		      - {type: channel, channel_names: [red, green, blue]}
		    test_tensor: {source: test_input.npy}
		    data: {type: float32}
		    preprocessing:
		      - id: scale_linear
		        kwargs: {gain: 0.00392156862745098, offset: 0.0}
		outputs:
		  - id: logits
		    axes:
		      - {type: channel, channel_names: [background, hematoxylin, DAB-positive]}
		    test_tensor: {source: test_output.npy}
		weights:
		  tensorflow_saved_model_bundle:
		    source: weights.zip
		""";

	/**
	 * A package of TensorFlow weights without a batch axis: {@code savedModel} zipped, the rdf above, and as test tensors one raw
	 * image [32, 32, 3] and the bundled (batched) SavedModel's logits [3] for it divided by 255 here (not by the code under test).
	 */
	Path buildTensorFlow(String name, Path savedModel) throws Exception {
		Path dir = Files.createDirectories(tmp.resolve(name));
		TestPackages.zipFolder(savedModel, dir.resolve("weights.zip"), "", List.of("saved_model.pb", "variables"));
		FloatTensor raw = TestPackages.rawImages(1, 11);
		FloatTensor expected;
		try (TensorFlowClassifier ihc = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"), LoadOptions.defaults().withWorkDir(tmp.resolve("work")))) {
			expected = ihc.logits(TestPackages.divideBy255(raw));
		}
		Npy.write(dir.resolve("test_input.npy"), new FloatTensor(new long[] { 32, 32, 3 }, raw.data()));
		Npy.write(dir.resolve("test_output.npy"), new FloatTensor(new long[] { 3 }, expected.data()));
		Files.writeString(dir.resolve("rdf.yaml"), TF_RDF);
		return dir;
	}

	/**
	 * TensorFlow weights whose signature takes one image [32, 32, 3] and gives [3] (the bundled IHC SavedModel with its batch axis
	 * put in and taken off inside the graph by {@link BatchFreeSavedModel}: the same weights and nodes) run one image per call
	 * with every method: logits, probabilities (the model's own softmax, found through the output's Reshape), gradients
	 * (TensorFlow's and Guided Backpropagation's), the same layers as the batched model with their activations, gradients and
	 * the model fed from them, and the same variables; every answer is the bundled batched SavedModel's. The package was refused
	 * for its axes 'yxc'.
	 */
	@Test
	void aTensorFlowPackageWithoutABatchAxisRunsOneImageAtATimeWithEveryMethod() throws Exception {
		Path saved = BatchFreeSavedModel.withoutBatchAxis(BundledModels.dir("ihc-stain"), tmp.resolve("batch-free-savedmodel"));
		Path dir = buildTensorFlow("tf", saved);
		LoadOptions options = LoadOptions.defaults().withWorkDir(tmp.resolve("work"));
		try (BioImageModel m = BioImageModel.open(dir, options); TensorFlowClassifier bare = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"), options)) {
			assertEquals("tensorflow_saved_model_bundle", m.weightsFormat());
			// the package's own test: the batched model's logits for its image, reproduced through the one-image signature
			assertTrue(m.testReport().ran() && m.testReport().passed(), m.testReport().message());
			assertEquals("yxc", m.inputAxes());
			TensorFlowClassifier tf = m.tensorFlow();
			assertEquals(1, m.preferredBatchSize());
			// the explained logits are the model's own tensor (not the output's Squeeze), and its softmax is its probabilities
			assertEquals("logits:0", tf.signature().logits().tensorName());
			assertEquals(List.of(1L, 3L), java.util.Arrays.stream(tf.signature().logits().shape()).boxed().toList());
			assertTrue(tf.signature().probabilities() != null, "the model's own softmax is found through the Reshape");
			FloatTensor x = TestPackages.divideBy255(TestPackages.rawImages(5, 3));
			assertClose(bare.logits(x), m.logits(x), 1e-5, "logits");
			assertEquals(List.of(5L, 3L), java.util.Arrays.stream(m.logits(x).shape()).boxed().toList());
			assertClose(bare.probabilities(x), m.probabilities(x), 1e-6, "probabilities");
			// gradients: TensorFlow's through the added Squeeze and the model's ExpandDims, and the built backward pass
			FloatTensor w = FloatTensor.oneHot(bare.logits(x).argmaxRows(), 3);
			assertClose(bare.inputGradient(x, w), m.inputGradient(x, w), 1e-5, "input gradient");
			assertClose(bare.inputGradient(x, w, org.conceptscope.model.ReluBackward.GUIDED),
				m.inputGradient(x, w, org.conceptscope.model.ReluBackward.GUIDED), 1e-5, "guided backpropagation");
			Attribution s = new org.conceptscope.attribution.Saliency().explain(m, x, bare.logits(x).argmaxRows(), Progress.NONE);
			Attribution sb = new org.conceptscope.attribution.Saliency().explain(bare, x, bare.logits(x).argmaxRows(), Progress.NONE);
			assertClose(sb.maps(), s.maps(), 1e-5, "saliency");
			// the same layers (the batch of one the graph makes itself, offered for any batch), but not the reshaped input
			assertEquals(bare.layers().stream().map(l -> l.name() + java.util.Arrays.toString(l.shape())).toList(),
				m.layers().stream().map(l -> l.name() + java.util.Arrays.toString(l.shape())).toList());
			assertTrue(m.layers().size() >= 6, m.layers().toString());
			for (String layer : List.of(m.layers().get(1).name(), m.layers().get(m.layers().size() - 2).name())) {
				FloatTensor a = m.activations(x, layer);
				assertClose(bare.activations(x, layer), a, 1e-5, "activations of " + layer);
				assertClose(bare.layerGradient(x, layer, w), m.layerGradient(x, layer, w), 1e-5, "layer gradient of " + layer);
				assertEquals(bare.splits(layer, null), tf.splits(layer, null), layer);
				if (bare.splits(layer, null)) {
					assertClose(bare.logits(x), m.logitsFromLayer(layer, a), 1e-5, "logits from " + layer);
					assertClose(bare.gradientFromLayer(layer, a, w), m.gradientFromLayer(layer, a, w), 1e-5, "gradient from " + layer);
				}
			}
			assertEquals(bare.variables(), tf.variables());
			// ConceptScope's own graph analysis (interval bounds, SRD, PFV concepts) reads the model's ExpandDims of its image as the
			// batch of one it is fed: the same bounds as the batched model's, around one image and at it (there: its logits)
			org.conceptscope.verify.GraphProgram pb = org.conceptscope.verify.GraphProgram.of(bare), pm = org.conceptscope.verify.GraphProgram.of(tf);
			FloatTensor one = x.range(0, 1);
			double[] lo = new double[one.size()], hi = new double[one.size()];
			for (int i = 0; i < lo.length; i++) {
				lo[i] = one.data()[i] - 0.02;
				hi[i] = one.data()[i] + 0.02;
			}
			for (org.conceptscope.verify.Box box : List.of(org.conceptscope.verify.Box.point(one.shape(), one.data()),
				new org.conceptscope.verify.Box(one.shape(), lo, hi))) {
				org.conceptscope.verify.Box b = org.conceptscope.verify.IntervalPropagation.propagate(pb, box).get("logits");
				org.conceptscope.verify.Box a = org.conceptscope.verify.IntervalPropagation.propagate(pm, box).get("logits");
				for (int k = 0; k < 3; k++) {
					assertEquals(b.lo()[k], a.lo()[k], 1e-6 * (1 + Math.abs(b.lo()[k])), "lower bound " + k);
					assertEquals(b.hi()[k], a.hi()[k], 1e-6 * (1 + Math.abs(b.hi()[k])), "upper bound " + k);
					if (box.lo() != lo) assertEquals(bare.logits(one).data()[k], a.lo()[k], 1e-4, "interval of a point: its logit " + k);
				}
				assertTrue(b.hi()[0] - b.lo()[0] >= 0, "bounds");
			}
			// a copy loaded again for weight randomisation is rewritten the same way (no values changed: the same logits)
			try (TensorFlowClassifier copy = tf.withVariables(java.util.Map.of())) {
				assertClose(bare.logits(x), copy.logits(x), 1e-5, "logits of the reloaded copy");
			}
		}
		// the bare SavedModel folder (no rdf) stays refused: a rank-3 input could as well be [N, height, width]
		String refused = assertThrows(ModelLoadException.class, () -> TensorFlowClassifier.load(saved, options).close()).getMessage();
		assertTrue(refused.contains("has shape [32, 32, 3]; ConceptScope needs a batch of images [N, height, width, channels]"), refused);
	}

	/**
	 * A model that puts its batch axis in as {@code tf.expand_dims(x, -4)} (the same axis 0 of its image [32, 32, 3]): ConceptScope's
	 * graph analysis reads it as the batch of one it is fed, as it reads axis 0, and the interval bounds are the batched model's
	 * (at a point: its logits), and so are CROWN's. With axis -4 the Squeeze and ExpandDims stayed in the program: interval bounds
	 * went through them, but CROWN (bounds=crown) refused the model ("Operation Squeeze (node 'input') gives a tensor of rank 3").
	 */
	@Test
	void aModelThatExpandsItsImageAtAxisMinusFourIsReadAsTheBatchOfOne() throws Exception {
		Path saved = BatchFreeSavedModel.withoutBatchAxis(BundledModels.dir("ihc-stain"), tmp.resolve("axis-minus-4"), new long[] { 32, 32, 3 },
			new long[] { 3 }, -4, false);
		Path dir = buildTensorFlow("tf-axis-minus-4", saved);
		LoadOptions options = LoadOptions.defaults().withWorkDir(tmp.resolve("work"));
		try (BioImageModel m = BioImageModel.open(dir, options); TensorFlowClassifier bare = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"), options)) {
			TensorFlowClassifier tf = m.tensorFlow();
			FloatTensor one = TestPackages.divideBy255(TestPackages.rawImages(1, 5));
			assertClose(bare.logits(one), m.logits(one), 1e-5, "logits");
			org.conceptscope.verify.GraphProgram pb = org.conceptscope.verify.GraphProgram.of(bare), pm = org.conceptscope.verify.GraphProgram.of(tf);
			assertTrue(pm.steps().stream().noneMatch(s -> s.op().equals("ExpandDims") || s.op().equals("Squeeze")), pm.steps().toString());
			double[] lo = new double[one.size()], hi = new double[one.size()];
			for (int i = 0; i < lo.length; i++) {
				lo[i] = one.data()[i] - 0.02;
				hi[i] = one.data()[i] + 0.02;
			}
			org.conceptscope.verify.Box point = org.conceptscope.verify.Box.point(one.shape(), one.data());
			org.conceptscope.verify.Box at = org.conceptscope.verify.IntervalPropagation.propagate(pm, point).get("logits");
			for (int k = 0; k < 3; k++) {
				assertEquals(bare.logits(one).data()[k], at.lo()[k], 1e-4, "interval of a point: its logit " + k);
				assertEquals(bare.logits(one).data()[k], at.hi()[k], 1e-4, "interval of a point: its logit " + k);
			}
			org.conceptscope.verify.Box box = new org.conceptscope.verify.Box(one.shape(), lo, hi);
			org.conceptscope.verify.Box b = org.conceptscope.verify.IntervalPropagation.propagate(pb, box).get("logits");
			org.conceptscope.verify.Box a = org.conceptscope.verify.IntervalPropagation.propagate(pm, box).get("logits");
			for (int k = 0; k < 3; k++) {
				assertEquals(b.lo()[k], a.lo()[k], 1e-6 * (1 + Math.abs(b.lo()[k])), "lower bound " + k);
				assertEquals(b.hi()[k], a.hi()[k], 1e-6 * (1 + Math.abs(b.hi()[k])), "upper bound " + k);
				assertTrue(a.hi()[k] > a.lo()[k], "a box of width 0.04 has bounds of some width");
			}
			// CROWN (bounds=crown), which has no linear relaxation of a Squeeze or an ExpandDims: the batched model's bounds
			org.conceptscope.verify.Box cb = org.conceptscope.verify.LinearBounds.intermediate(pb, box, Progress.NONE).get("logits");
			org.conceptscope.verify.Box ca = org.conceptscope.verify.LinearBounds.intermediate(pm, box, Progress.NONE).get("logits");
			for (int k = 0; k < 3; k++) {
				assertEquals(cb.lo()[k], ca.lo()[k], 1e-6 * (1 + Math.abs(cb.lo()[k])), "CROWN lower bound " + k);
				assertEquals(cb.hi()[k], ca.hi()[k], 1e-6 * (1 + Math.abs(cb.hi()[k])), "CROWN upper bound " + k);
				assertTrue(ca.hi()[k] - ca.lo()[k] <= a.hi()[k] - a.lo()[k] + 1e-9, "CROWN no looser than intervals " + k);
			}
		}
	}

	/**
	 * Logits named in the rdf ({@code config: conceptscope: logits}) without the batch axis of a model that takes one image: the
	 * output's Squeeze [3] is read as the model's logits [1, 3] it took the axis off (as the output is when no logits are named),
	 * so the package opens and explains the same logits; a tensor [3] that is no such Squeeze or Reshape is refused in one
	 * sentence that says so and what to do (it was refused as "logits have shape [3]; a classifier's logits are [N, classes]").
	 */
	@Test
	void logitsNamedWithoutTheBatchAxisAreReadThroughTheSqueezeOrRefusedSayingWhy() throws Exception {
		Path saved = BatchFreeSavedModel.withoutBatchAxis(BundledModels.dir("ihc-stain"), tmp.resolve("named-logits"), new long[] { 32, 32, 3 },
			new long[] { 3 }, 0, true);
		LoadOptions options = LoadOptions.defaults().withWorkDir(tmp.resolve("work"));
		Path squeezed = buildTensorFlow("tf-named-squeeze", saved);
		Files.writeString(squeezed.resolve("rdf.yaml"), TF_RDF + "config:\n  conceptscope:\n    logits: \"logits_image:0\"\n");
		try (BioImageModel m = BioImageModel.open(squeezed, options); TensorFlowClassifier bare = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"), options)) {
			assertTrue(m.testReport().ran() && m.testReport().passed(), m.testReport().message());
			assertEquals("logits:0", m.tensorFlow().signature().logits().tensorName());
			FloatTensor x = TestPackages.divideBy255(TestPackages.rawImages(3, 9));
			assertClose(bare.logits(x), m.logits(x), 1e-5, "logits");
		}
		// named logits that keep their batch axis ([1, 3], a Squeeze of an inner axis of one) are the logits as named, not the
		// [1, 1, 3] tensor before them (which would have made a classifier a dense model)
		Path narrowed = buildTensorFlow("tf-named-narrowed", saved);
		Files.writeString(narrowed.resolve("rdf.yaml"), TF_RDF + "config:\n  conceptscope:\n    logits: \"logits_narrowed:0\"\n");
		try (BioImageModel m = BioImageModel.open(narrowed, options); TensorFlowClassifier bare = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"), options)) {
			assertEquals("logits_narrowed:0", m.tensorFlow().signature().logits().tensorName());
			assertFalse(m.tensorFlow().isDense(), "a classifier, not a dense model");
			FloatTensor x = TestPackages.divideBy255(TestPackages.rawImages(3, 9));
			assertClose(bare.logits(x), m.logits(x), 1e-5, "logits");
		}
		Path doubled = buildTensorFlow("tf-named-doubled", saved);
		Files.writeString(doubled.resolve("rdf.yaml"), TF_RDF + "config:\n  conceptscope:\n    logits: \"logits_doubled:0\"\n");
		String refused = assertThrows(ModelLoadException.class, () -> BioImageModel.open(doubled, options).close()).getMessage();
		assertTrue(refused.contains("The logits logits_doubled:0 named in the model's description (config: conceptscope: logits) of "), refused);
		assertTrue(refused.endsWith(" have no batch axis (shape [3]), and ConceptScope explains the model's tensors with the batch axis of one"
			+ " its graph puts in: name the tensor with that axis ([1, classes], e.g. the one the output's Squeeze or Reshape reads), or"
			+ " leave logits out so that the model's own Softmax input is found."), refused);
	}

	/** An rdf that leaves the batch axis out of a SavedModel whose input has one is refused in one sentence. */
	@Test
	void tensorFlowWeightsWithABatchAxisUnderAnRdfWithoutOneAreRefusedInOneSentence() throws Exception {
		Path dir = buildTensorFlow("tf-inconsistent", BundledModels.dir("ihc-stain"));
		String m = assertThrows(ModelLoadException.class, () -> BioImageModel.open(dir, LoadOptions.defaults().withWorkDir(tmp.resolve("work"))).close())
			.getMessage();
		assertTrue(m.endsWith(": the input 'input' has shape [-1, 32, 32, 3] but the model's description (rdf.yaml) declares it without a batch"
			+ " axis, [height, width, channels]: the package is inconsistent; declare the axes the SavedModel takes (with the batch axis for"
			+ " [N, height, width, channels])."), m);
		// and nothing is left in the work folder
		try (var left = Files.list(tmp.resolve("work"))) {
			assertEquals(List.of(), left.filter(p -> p.getFileName().toString().startsWith("conceptscope-bioimage-")).toList());
		}
	}

	static void assertClose(FloatTensor want, FloatTensor got, double relative, String what) {
		assertEquals(java.util.Arrays.toString(want.shape()), java.util.Arrays.toString(got.shape()), what);
		double largest = 0;
		for (float v : want.data()) largest = Math.max(largest, Math.abs(v));
		for (int i = 0; i < want.size(); i++) assertEquals(want.data()[i], got.data()[i], relative * (largest + 1e-30), what + " " + i);
	}
}
