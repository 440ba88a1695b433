package org.conceptscope.testmodels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.testmodels.KerasApplications.Architecture;
import org.conceptscope.verify.Box;
import org.conceptscope.verify.GraphProgram;
import org.conceptscope.verify.IntervalPropagation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.conceptscope.attribution.Attribution;
import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.attribution.GradCam;
import org.conceptscope.attribution.GradientTimesInput;
import org.conceptscope.attribution.GuidedGradient;
import org.conceptscope.attribution.HsicAttribution;
import org.conceptscope.attribution.IntegratedGradients;
import org.conceptscope.attribution.KernelShap;
import org.conceptscope.attribution.Lime;
import org.conceptscope.attribution.MaskedImage;
import org.conceptscope.attribution.NoisyGradients;
import org.conceptscope.attribution.Occlusion;
import org.conceptscope.attribution.Rise;
import org.conceptscope.attribution.Saliency;
import org.conceptscope.attribution.Segmentation;
import org.conceptscope.attribution.SobolAttribution;
import org.conceptscope.concepts.Craft;
import org.conceptscope.concepts.CraftOptions;
import org.conceptscope.heads.BiIce;
import org.conceptscope.heads.InfoDisent;
import org.conceptscope.train.TrainingOptions;
import org.conceptscope.mechanistic.ConceptGraph;
import org.conceptscope.mechanistic.SharingRatioAnalysis;
import org.conceptscope.metrics.Deletion;
import org.conceptscope.metrics.MetricResult;
import org.conceptscope.model.LayerInfo;
import org.conceptscope.util.Progress;
import org.conceptscope.verify.BoundMethod;
import org.conceptscope.verify.Eva;
import org.conceptscope.visualization.Maco;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Keras-style fixtures hold the operations of the architectures they stand for, load through
 * the function inliner, and ConceptScope's own reading of their graph ({@link GraphProgram})
 * computes what TensorFlow computes; its interval bounds contain TensorFlow's outputs for
 * images sampled in the box.
 */
class KerasApplicationsTest {

	@TempDir
	static Path tmp;
	static final Map<Architecture, TensorFlowClassifier> models = new EnumMap<>(Architecture.class);

	@BeforeAll
	static void build() throws Exception {
		for (Architecture a : Architecture.values()) {
			models.put(a, TensorFlowClassifier.load(KerasApplications.write(a, tmp.resolve(a.name()))));
		}
	}

	@AfterAll
	static void close() {
		models.values().forEach(TensorFlowClassifier::close);
	}

	static FloatTensor images(int n, long seed) {
		Random r = new Random(seed);
		FloatTensor t = FloatTensor.zeros(n, KerasApplications.SIZE, KerasApplications.SIZE, KerasApplications.CHANNELS);
		for (int i = 0; i < t.size(); i++) t.data()[i] = r.nextFloat();
		return t;
	}

	/** The operations that make each architecture what it is, as Keras exports them. */
	static Set<String> signatureOps(Architecture a) {
		return switch (a) {
			case RESNET50 -> Set.of("Pad", "Conv2D", "FusedBatchNormV3", "AddV2", "MaxPool", "Mean", "MatMul");
			case DENSENET121 -> Set.of("Pad", "ConcatV2", "AvgPool", "FusedBatchNormV3", "MaxPool");
			case MOBILENETV2 -> Set.of("DepthwiseConv2dNative", "Relu6", "Pad", "AddV2");
			case EFFICIENTNETB0 -> Set.of("DepthwiseConv2dNative", "Sigmoid", "Mul", "Reshape", "Pad", "AddV2");
			case VIT -> Set.of("Reshape", "Transpose", "BatchMatMulV2", "Softmax", "Erf", "Mean", "SquaredDifference", "Rsqrt", "StopGradient");
		};
	}

	@ParameterizedTest
	@EnumSource(Architecture.class)
	void holdsTheArchitecturesOperationsInNestedCalls(Architecture a) {
		TensorFlowClassifier m = models.get(a);
		GraphProgram p = GraphProgram.of(m);
		Set<String> ops = p.steps().stream().map(GraphProgram.Step::op).collect(Collectors.toSet());
		assertTrue(ops.containsAll(signatureOps(a)), a + " has " + ops);
		assertTrue(m.inlinedCalls() >= 10, "Keras nests a function per layer and block: " + m.inlinedCalls());
		assertEquals(KerasApplications.CLASSES, m.numClasses());
		if (a == Architecture.RESNET50 || a == Architecture.DENSENET121) {
			assertTrue(p.steps().stream().anyMatch(s -> s.op().equals("MaxPool") && s.attrs().get("padding").getS().toStringUtf8().equals("VALID")));
		}
	}

	@ParameterizedTest
	@EnumSource(Architecture.class)
	void graphReaderComputesWhatTensorFlowComputes(Architecture a) {
		TensorFlowClassifier m = models.get(a);
		GraphProgram p = GraphProgram.of(m);
		FloatTensor x = images(3, a.ordinal());
		FloatTensor tf = m.logits(x);
		for (int i = 0; i < 3; i++) {
			FloatTensor xi = x.slice(i);
			Box out = IntervalPropagation.logits(p, Box.point(new long[] { 1, 32, 32, 3 }, xi.data()));
			for (int k = 0; k < 3; k++) {
				double want = tf.data()[i * 3 + k];
				assertEquals(want, out.lo()[k], 1e-4 * (1 + Math.abs(want)), a + " image " + i + " class " + k);
				assertEquals(out.lo()[k], out.hi()[k], 0, "a point stays a point");
			}
		}
	}

	/**
	 * Feeding a layer its own activations gives back what the model computes from the image, for
	 * every spatial layer that splits the model: the last spatial layer (layerFromLayer) and the
	 * logits (logitsFromLayer). TensorFlow fuses chains such as Conv2D, FusedBatchNormV3 and swish
	 * into one op, so a fed inner layer (EfficientNet's top_bn, Concept Graph's default lower layer)
	 * must be kept in the graph TensorFlow runs.
	 */
	@ParameterizedTest
	@EnumSource(Architecture.class)
	void feedingALayerItsActivationsGivesTheModelsLaterLayers(Architecture a) {
		TensorFlowClassifier m = models.get(a);
		List<LayerInfo> spatial = m.layers().stream().filter(LayerInfo::isSpatial).toList();
		if (spatial.isEmpty()) return;
		String last = spatial.get(spatial.size() - 1).name();
		FloatTensor x = images(2, 30 + a.ordinal());
		FloatTensor wantLast = m.activations(x, last), wantLogits = m.logits(x);
		int fed = 0;
		for (LayerInfo l : spatial.subList(0, spatial.size() - 1)) {
			if (!m.splits(l.name(), last) || !m.splits(l.name(), null)) continue;
			FloatTensor acts = m.activations(x, l.name());
			assertClose(wantLast, m.layerFromLayer(l.name(), acts, last), a + " " + l.name() + " -> " + last);
			assertClose(wantLogits, m.logitsFromLayer(l.name(), acts), a + " " + l.name() + " -> logits");
			fed++;
		}
		assertTrue(fed >= 1, a + " has a layer that splits it");
	}

	static void assertClose(FloatTensor want, FloatTensor got, String what) {
		assertEquals(java.util.Arrays.toString(want.shape()), java.util.Arrays.toString(got.shape()), what);
		double max = 0;
		for (float v : want.data()) max = Math.max(max, Math.abs(v));
		for (int i = 0; i < want.size(); i++) assertEquals(want.data()[i], got.data()[i], 1e-4 * (1 + max), what + " at " + i);
	}

	@ParameterizedTest
	@EnumSource(Architecture.class)
	void intervalBoundsContainSampledOutputs(Architecture a) {
		TensorFlowClassifier m = models.get(a);
		GraphProgram p = GraphProgram.of(m);
		FloatTensor centre = images(1, 10 + a.ordinal());
		double eps = 0.01;
		double[] lo = new double[centre.size()], hi = new double[centre.size()];
		for (int i = 0; i < lo.length; i++) {
			lo[i] = centre.data()[i] - eps;
			hi[i] = centre.data()[i] + eps;
		}
		Box bounds = IntervalPropagation.logits(p, new Box(centre.shape(), lo, hi));
		Random r = new Random(a.ordinal());
		FloatTensor samples = FloatTensor.zeros(16, 32, 32, 3);
		for (int n = 0; n < 16; n++) for (int i = 0; i < lo.length; i++) {
			// corners and inside points
			double u = n < 4 ? (r.nextBoolean() ? 0 : 1) : r.nextDouble();
			samples.data()[n * lo.length + i] = (float) (lo[i] + u * (hi[i] - lo[i]));
		}
		FloatTensor logits = m.logits(samples);
		for (int n = 0; n < 16; n++) for (int k = 0; k < 3; k++) {
			double v = logits.data()[n * 3 + k], tol = 1e-4 * (1 + Math.abs(v));
			assertTrue(v >= bounds.lo()[k] - tol && v <= bounds.hi()[k] + tol, a + " sample " + n + " class " + k + ": " + v + " outside ["
				+ bounds.lo()[k] + ", " + bounds.hi()[k] + "]");
		}
		assertTrue(bounds.maxWidth() > 0, "a box gives bounds of some width");
	}

	/** The convolutional fixtures: every operation on their path has a CROWN and an SRD rule. */
	static Architecture[] convolutional() {
		return new Architecture[] { Architecture.RESNET50, Architecture.DENSENET121, Architecture.MOBILENETV2 };
	}

	/**
	 * CROWN's rules for zero padding, concatenation and depthwise convolution are exact (no
	 * relaxation): its margin bounds contain TensorFlow's margins at sampled images of the box,
	 * and its logit bounds lie inside the interval bounds.
	 */
	@ParameterizedTest
	@MethodSource("convolutional")
	void crownBoundsContainSampledMarginsThroughTheNewOps(Architecture a) {
		TensorFlowClassifier m = models.get(a);
		GraphProgram p = GraphProgram.of(m);
		FloatTensor centre = images(1, 20 + a.ordinal());
		double eps = 0.01;
		double[] lo = new double[centre.size()], hi = new double[centre.size()];
		for (int i = 0; i < lo.length; i++) {
			lo[i] = centre.data()[i] - eps;
			hi[i] = centre.data()[i] + eps;
		}
		Box box = new Box(centre.shape(), lo, hi);
		Map<String, Box> crown = org.conceptscope.verify.LinearBounds.intermediate(p, box, Progress.NONE);
		int target = m.logits(centre).argmaxRows()[0];
		var margin = org.conceptscope.verify.LinearBounds.margin(p, crown, target);
		Box interval = IntervalPropagation.logits(p, box);
		double intervalLower = Double.POSITIVE_INFINITY;
		for (int j = 0; j < 3; j++) if (j != target) intervalLower = Math.min(intervalLower, interval.lo()[target] - interval.hi()[j]);
		assertTrue(margin.lower() >= intervalLower - 1e-9, a + ": CROWN " + margin + " is not looser than intervals " + intervalLower);
		Random r = new Random(a.ordinal());
		FloatTensor samples = FloatTensor.zeros(24, 32, 32, 3);
		for (int n = 0; n < 24; n++) for (int i = 0; i < lo.length; i++) {
			double u = n < 8 ? (r.nextBoolean() ? 0 : 1) : r.nextDouble();
			samples.data()[n * lo.length + i] = (float) (lo[i] + u * (hi[i] - lo[i]));
		}
		FloatTensor logits = m.logits(samples);
		for (int n = 0; n < 24; n++) {
			double best = Double.NEGATIVE_INFINITY;
			for (int j = 0; j < 3; j++) if (j != target) best = Math.max(best, logits.data()[n * 3 + j]);
			double v = logits.data()[n * 3 + target] - best, tol = 1e-4 * (1 + Math.abs(v));
			assertTrue(v >= margin.lower() - tol && v <= margin.upper() + tol, a + " sample " + n + ": margin " + v + " outside " + margin);
		}
	}

	/**
	 * SRD through zero padding, concatenation, depthwise convolution and EfficientNet's gates
	 * (swish and squeeze-and-excitation pass relevance to the gated features) conserves relevance: the
	 * input relevance plus the bias share is the target logit (SRD's completeness, Han et al. 2024),
	 * and the relevance map is not empty.
	 */
	static Architecture[] withSrdRules() {
		return new Architecture[] { Architecture.RESNET50, Architecture.DENSENET121, Architecture.MOBILENETV2, Architecture.EFFICIENTNETB0 };
	}

	@ParameterizedTest
	@MethodSource("withSrdRules")
	void sharingRatioDecompositionConservesRelevanceThroughTheNewOps(Architecture a) {
		TensorFlowClassifier m = models.get(a);
		var srd = new org.conceptscope.mechanistic.SharingRatioDecomposition(m);
		FloatTensor x = images(1, 30 + a.ordinal());
		for (int target = 0; target < 3; target++) {
			var d = srd.classRelevance(x, target);
			double total = 0;
			for (float v : d.map().data()) total += Math.abs(v);
			assertEquals(m.logits(x).data()[target], d.start(), 1e-4 * (1 + Math.abs(d.start())), "SRD starts from the logit");
			assertEquals(0, d.conservationError(), 1e-6 * (1 + total + Math.abs(d.biasRelevance())), a + " class " + target);
			assertTrue(total > 0, a + ": relevance reaches the pixels");
		}
	}

	/**
	 * Grad-CAM on a ViT's token layer: token k is the cell (k / 4, k % 4) of the 4 x 4 patch grid;
	 * the map is the ReLU of the token activations weighted by the mean token gradient, computed
	 * here by hand from the layer's activations and gradients, upsampled like any Grad-CAM map.
	 */
	@org.junit.jupiter.api.Test
	void gradCamOnVitTokensFollowsThePatchGrid() {
		TensorFlowClassifier m = models.get(Architecture.VIT);
		String layer = GradCam.defaultLayer(m);
		LayerInfo info = m.layers().stream().filter(l -> l.name().equals(layer)).findFirst().orElseThrow();
		assertTrue(info.isTokens(), "the default Grad-CAM layer of a ViT is a token layer: " + info);
		assertEquals(4, info.tokenGrid()[0]);
		FloatTensor x = images(2, 40);
		Attribution r = new GradCam(layer, false).explain(m, x, new int[] { 0, 1 }, Progress.NONE);
		FloatTensor act = m.activations(x, layer), grad = m.layerGradient(x, layer, FloatTensor.oneHot(new int[] { 0, 1 }, 3));
		int t = 16, c = (int) act.dim(2);
		float[] cam = new float[2 * t];
		for (int i = 0; i < 2; i++) {
			double[] w = new double[c];
			for (int k = 0; k < t; k++) for (int ch = 0; ch < c; ch++) w[ch] += grad.data()[(i * t + k) * c + ch] / t;
			for (int k = 0; k < t; k++) {
				double v = 0;
				for (int ch = 0; ch < c; ch++) v += w[ch] * act.data()[(i * t + k) * c + ch];
				cam[i * t + k] = (float) Math.max(0, v);
			}
		}
		FloatTensor want = org.conceptscope.tensor.Resampling.bilinear(new FloatTensor(new long[] { 2, 4, 4 }, cam), 32, 32);
		double max = 0;
		for (float v : want.data()) max = Math.max(max, v);
		assertTrue(max > 0, "some token supports the class");
		for (int i = 0; i < want.size(); i++) assertEquals(want.data()[i], r.maps().data()[i], 1e-5 * (1 + max), "pixel " + i);
	}

	// ------------------------------------------------------------------ every method on every fixture

	/** One menu method run on a model with small settings; returns what it produced (for a finiteness check). */
	record Method(String key, String label, Function<TensorFlowClassifier, float[]> run) {
		@Override
		public String toString() {
			return key;
		}
	}

	static float[] maps(AttributionMethod a, TensorFlowClassifier m) {
		Attribution r = a.explain(m, images(1, 5), new int[] { 0 }, Progress.NONE);
		assertEquals(3, r.maps().rank());
		assertEquals(KerasApplications.SIZE, r.maps().dim(1));
		return r.maps().data();
	}

	/** Small settings for the registry's attribution methods (the menus' defaults, scaled to a 32 x 32 fixture). */
	static final Map<String, Object> SMALL = Map.of("samples", 32, "steps", 8, "designs", 8, "grid", 4, "epsilon", 0.001, "patch", 8,
		"stride", 8);

	/**
	 * The methods of the menus: every attribution method of the registry (Attribution menu), EVA
	 * with CROWN bounds, and the concept, mechanistic, head, feature-visualisation and evaluation
	 * commands' methods.
	 */

	static List<Method> methods() {
		List<Method> all = new ArrayList<>();
		for (org.conceptscope.registry.MethodEntry e : org.conceptscope.registry.Registry.of(org.conceptscope.registry.Family.ATTRIBUTION)) {
			String label = e.key().equals("eva") ? "bounds=interval" : e.label();
			all.add(new Method(e.key(), label, m -> maps(org.conceptscope.registry.Registry.attribution(e.key(), SMALL), m)));
		}
		all.addAll(OTHERS);
		return List.copyOf(all);
	}

	static final List<Method> OTHERS = List.of(
		new Method("eva_crown", "bounds=crown", m -> maps(new Eva(0.001, 4, BoundMethod.CROWN), m)),
		new Method("craft", "CRAFT", m -> {
			var bank = Craft.fit(m, images(2, 6), 0, new CraftOptions(GradCam.lastSpatialLayer(m), 16, 16, 2, 1, 1e-4, 50, 2), Progress.NONE);
			return new float[] { (float) bank.rank };
		}),
		new Method("srd", "SRD", m -> {
			var r = SharingRatioAnalysis.run(m, images(1, 7), 0, null, 0f, Progress.NONE);
			return r.slices().get(0).relevance().map().data();
		}),
		new Method("concept_graph", "Concept Graph", m -> {
			var r = ConceptGraph.build(m, images(4, 8), 0, new ConceptGraph.Options(List.of(), 2, 8, 1, 4, 1, 0.9), Progress.NONE);
			return new float[] { (float) r.classScore(), (float) r.edges().size() };
		}),
		new Method("infodisent", "InfoDisent", m -> {
			var h = InfoDisent.train(m, GradCam.lastSpatialLayer(m), images(6, 9), new int[] { 0, 1, 2, 0, 1, 2 },
				new TrainingOptions(5, 32, 0.01, 1L), Progress.NONE);
			return new float[] { h.units() };
		}),
		new Method("bi_ice", "Bi-ICE", m -> {
			var h = BiIce.train(m, GradCam.lastSpatialLayer(m), images(6, 9), new int[] { 0, 1, 2, 0, 1, 2 }, 2, 16,
				new TrainingOptions(5, 32, 0.01, 1L), Progress.NONE);
			return new float[] { h.units() };
		}),
		new Method("maco", "MACO", m -> {
			var r = new Maco(3, 1.0, 0.5, 1).visualize(m, Maco.magnitude(images(2, 10)), 0, Progress.NONE);
			return r.image().data();
		}),
		new Method("deletion", "Deletion", m -> {
			FloatTensor x = images(1, 11);
			MetricResult r = new Deletion(4, 0f).evaluate(m, x, new Saliency().explain(m, x, new int[] { 0 }, Progress.NONE), Progress.NONE);
			return new float[] { (float) r.toString().length() };
		}));

	static final List<Method> METHODS = methods();

	static java.util.stream.Stream<Arguments> fixturesTimesMethods() {
		List<Arguments> all = new ArrayList<>();
		for (Architecture a : Architecture.values()) for (Method m : METHODS) all.add(Arguments.of(a, m));
		return all.stream();
	}

	/**
	 * Each method either runs on the fixture (finite results) or refuses with a message that names
	 * an operation of the fixture's graph and a method that does run on it (checked by running it).
	 */
	@ParameterizedTest(name = "{0} {1}")
	@MethodSource("fixturesTimesMethods")
	void everyMethodWorksOrRefusesNamingTheOpAndAnAlternative(Architecture a, Method method) {
		TensorFlowClassifier m = models.get(a);
		try {
			float[] out = method.run().apply(m);
			for (float v : out) assertTrue(Float.isFinite(v), method + " on " + a + " gives a finite result");
			System.out.println("MATRIX " + a + " " + method + " works");
		} catch (RuntimeException e) {
			String msg = String.valueOf(e.getMessage());
			System.out.println("MATRIX " + a + " " + method + " refuses: " + msg);
			Set<String> ops = graphOps(m);
			assertTrue(ops.stream().anyMatch(op -> msg.matches("(?s).*\\b" + op + "\\b.*")), a + " " + method + ": the refusal names no operation"
				+ " of the graph: " + msg);
			List<Method> named = METHODS.stream().filter(x -> x != method && msg.contains(x.label())).toList();
			assertTrue(!named.isEmpty(), a + " " + method + ": the refusal names no other method: " + msg);
			String failures = "";
			for (Method alternative : named) {
				try {
					float[] out = alternative.run().apply(m);
					for (float v : out) assertTrue(Float.isFinite(v), alternative + ", named by " + method + "'s refusal, runs on " + a);
					return;
				} catch (RuntimeException again) {
					failures += " " + alternative + ": " + again.getMessage();
				}
			}
			throw new AssertionError(a + " " + method + ": no method its refusal names runs:" + failures);
		}
	}

	static Set<String> graphOps(TensorFlowClassifier m) {
		return m.graphDef().getNodeList().stream().map(n -> n.getOp()).filter(op -> !op.equals("Const") && !op.equals("Identity"))
			.collect(Collectors.toSet());
	}
}
