package org.conceptscope.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import org.conceptscope.mechanistic.SharingRatioDecomposition;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Batch norm, max pooling and a residual Add: the graph program, bounds and SRD on them. */
class ResidualModelTest {

	@Test
	void programBoundsAndSrdHandleBatchNormMaxPoolAndResidualAdd(@TempDir Path tmp) throws Exception {
		ResidualModel.export(tmp.resolve("residual"), 3);
		try (TensorFlowClassifier m = TensorFlowClassifier.load(tmp.resolve("residual"))) {
			GraphProgram p = GraphProgram.of(m);
			assertTrue(p.steps().stream().map(GraphProgram.Step::op).toList()
				.containsAll(java.util.List.of("FusedBatchNormV3", "MaxPool", "Add", "Mean", "MatMul")), p.steps().toString());
			Random r = new Random(4);
			FloatTensor x = FloatTensor.zeros(1, 8, 8, 2);
			for (int i = 0; i < x.size(); i++) x.data()[i] = r.nextFloat();
			Box point = IntervalPropagation.logits(p, Box.point(x.shape(), x.data()));
			FloatTensor tf = m.logits(x);
			for (int k = 0; k < 3; k++) assertEquals(tf.data()[k], point.lo()[k], 1e-4, "forward matches TensorFlow");

			double eps = 0.05;
			Box ball = new Eva(eps, 2).ball(x, -1);
			Map<String, Box> nodes = IntervalPropagation.propagate(p, ball);
			Box bounds = nodes.get(p.output);
			double[] e = RoundingError.of(p, nodes).get(p.output);
			int n = 2000;
			float[] batch = new float[n * x.size()];
			for (int i = 0; i < n; i++) for (int j = 0; j < x.size(); j++) batch[i * x.size() + j] = BallSamples.inside(x.data()[j], (2 * r.nextDouble() - 1) * eps, eps);
			FloatTensor out = m.logits(new FloatTensor(new long[] { n, 8, 8, 2 }, batch));
			for (int i = 0; i < n; i++) for (int k = 0; k < 3; k++) {
				float v = out.get(i, k);
				assertTrue(v >= bounds.lo()[k] - e[k] && v <= bounds.hi()[k] + e[k], "sample " + i + " logit " + k + " outside bounds");
			}

			SharingRatioDecomposition.Decomposition d = new SharingRatioDecomposition(m).classRelevance(x, tf.argmaxRows()[0]);
			assertEquals(0, d.conservationError(), 1e-7 * (1 + Math.abs(d.start())), "relevance conserved through BN, max pool and Add");
		}
	}
}
