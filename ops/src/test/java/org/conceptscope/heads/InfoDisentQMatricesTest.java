package org.conceptscope.heads;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import org.conceptscope.model.TensorFlowEngine;
import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;

/**
 * {@link InfoDisentGraph#Q_MATRICES}, the memory estimate's count of c x c matrices, is the number of
 * c x c float tensors the training graph computes for Q when it squares the most times: every float
 * output of every operation is fetched (features of one position, so that nothing else is c x c)
 * and its shape read. Before the graph's Paterson-Stockmeyer Taylor step and its skipped squarings
 * the estimate was 100 (3 per Taylor degree, 4 per squaring and 8), which this graph no longer has.
 */
class InfoDisentQMatricesTest {

	@Test
	void qMatricesCountsTheGraphsSquareTensorsAtTheMostSquarings() {
		int c = 5; // no other dimension of the graph is 5
		for (double norm : new double[] { 0, 1e6 }) {
			double[][] a = InfoDisentSquaringsTest.skew(c, norm, 3);
			int s = InfoDisentGraph.squarings(InfoDisentSquaringsTest.frobenius(a));
			Map<String, FloatTensor> weights = InfoDisentRotationTest.weights(a, 2);
			TensorFlowEngine.start();
			int square = 0;
			List<String> names = new ArrayList<>();
			try (Graph g = new Graph()) {
				new InfoDisentGraph(g, 1, 1, c, 2, weights);
				try (Session session = new Session(g); TFloat32 features = TFloat32.tensorOf(Shape.of(1, 1, 1, c), DataBuffers.of(new float[c]))) {
					session.initialize();
					Session.Runner r = session.runner().feed("features", features);
					List<String> fetched = new ArrayList<>();
					for (Iterator<GraphOperation> it = g.operations(); it.hasNext();) {
						GraphOperation op = it.next();
						if (op.type().equals("Assign") || op.type().equals("NoOp") || op.type().equals("Placeholder")) continue; // initialisation, and the fed features
						for (int i = 0; i < op.numOutputs(); i++) {
							DataType type = op.output(i).dataType();
							if (type != DataType.DT_FLOAT && type != DataType.DT_FLOAT_REF) continue;
							r.fetch(op.name(), i);
							fetched.add(op.name() + ":" + op.type());
						}
					}
					try (Result res = r.run()) {
						for (int i = 0; i < fetched.size(); i++) {
							Tensor t = res.get(i);
							if (t.shape().numDimensions() == 2 && t.shape().size(0) == c && t.shape().size(1) == c) {
								square++;
								names.add(fetched.get(i));
							}
						}
					}
				}
			}
			System.out.println("InfoDisentQMatricesTest norm " + norm + ", s = " + s + ": " + square + " c x c tensors " + names);
			assertEquals(norm == 0 ? 0 : InfoDisentGraph.MAX_SQUARINGS, s, "squarings at norm " + norm);
			// a squaring past s keeps one c x c tensor fewer (the rows passed on and the concatenation, no product)
			assertEquals(InfoDisentGraph.Q_MATRICES - (InfoDisentGraph.MAX_SQUARINGS - s), square, names.toString());
		}
	}
}
