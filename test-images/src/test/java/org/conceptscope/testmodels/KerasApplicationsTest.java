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
import org.conceptscope.heads.HeadOps;
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

	/** The methods of the menus (Attribution, Concept Discovery, SRD, Concept Graph, heads, Feature Visualization, Evaluate). */
	static final List<Method> METHODS = List.of(
		new Method("saliency", "Saliency", m -> maps(new Saliency(), m)),
		new Method("gradient_x_input", "Gradient x Input", m -> maps(new GradientTimesInput(), m)),
		new Method("integrated_gradients", "Integrated Gradients", m -> maps(new IntegratedGradients(8, 0f), m)),
		new Method("smoothgrad", "SmoothGrad", m -> maps(new NoisyGradients(NoisyGradients.Statistic.SMOOTH_GRAD, 4, 0.1, 1), m)),
		new Method("gradcam", "Grad-CAM", m -> maps(new GradCam(null, false), m)),
		new Method("gradcam_plus_plus", "Grad-CAM++", m -> maps(new GradCam(null, true), m)),
		new Method("guided_backprop", "Guided Backpropagation", m -> maps(GuidedGradient.guidedBackprop(), m)),
		new Method("deconvnet", "DeconvNet", m -> maps(GuidedGradient.deconvNet(), m)),
		new Method("occlusion", "Occlusion", m -> maps(new Occlusion(8, 8, 0f), m)),
		new Method("rise", "RISE", m -> maps(new Rise(32, 4, 0.5, 1), m)),
		new Method("sobol", "Sobol", m -> maps(new SobolAttribution(4, 8, MaskedImage.constant(0), false, 1), m)),
		new Method("hsic", "HSIC", m -> maps(new HsicAttribution(4, 32, MaskedImage.constant(0), 1), m)),
		new Method("lime", "LIME", m -> maps(new Lime(32, Segmentation.grid(4), MaskedImage.constant(0), 1), m)),
		new Method("kernel_shap", "Kernel SHAP", m -> maps(new KernelShap(32, Segmentation.grid(4), MaskedImage.constant(0), 1), m)),
		new Method("eva", "bounds=interval", m -> maps(new Eva(0.001, 4, BoundMethod.INTERVAL), m)),
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
			var h = HeadOps.infoDisent(m, images(6, 9), new int[] { 0, 1, 2, 0, 1, 2 }, GradCam.lastSpatialLayer(m), 5, 1L);
			return new float[] { h.units() };
		}),
		new Method("bi_ice", "Bi-ICE", m -> {
			var h = HeadOps.biIce(m, images(6, 9), new int[] { 0, 1, 2, 0, 1, 2 }, GradCam.lastSpatialLayer(m), 2, 5, 1L);
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
