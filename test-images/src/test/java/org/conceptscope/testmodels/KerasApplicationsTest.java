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
}
